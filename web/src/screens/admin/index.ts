export { Imports } from './Imports';
export { ImportPage } from './ImportPage';
export { Conflicts } from './Conflicts';
export { Users } from './Users';
export { Routing } from './Routing';
