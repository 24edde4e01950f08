export { Approvals } from './Approvals';
export { ApprovalTask } from './ApprovalTask';
export { TasksOverview } from './TasksOverview';
