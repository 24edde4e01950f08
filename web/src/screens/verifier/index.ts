// The verifier's screens: one chunk, which later becomes the offline field app.
export { MyTasks } from './MyTasks';
export { VisitForm } from './VisitForm';
