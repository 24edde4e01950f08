// Loaded by the dashboard only when it draws (dynamic import): charts and file exports.
export { BarChart, type Bar, type Series } from './BarChart';
export { Exports } from './Exports';
export type { TableData, Cell } from './exporting';
