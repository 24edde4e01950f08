export { Search } from './Search';
export { HouseholdPage } from './HouseholdPage';
export { Register } from './Register';
