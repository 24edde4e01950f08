// Paths → screens. Screens load lazily, one chunk per group of roles (the verifier's screens in
// their own, to become the offline field app), so a role downloads only what it uses.
import type { ComponentType } from 'preact';
import type { Role } from './api/types';
import { dashboardAhead } from './screens/dashboard/ahead';

export interface RouteProps {
  params: Record<string, string>;
}
type Screen = ComponentType<RouteProps>;

export interface RouteDef {
  pattern: string;
  roles: Role[];
  load: (role: Role) => Promise<Screen>;
}

const ALL: Role[] = ['admin', 'supervisor', 'operator', 'verifier', 'opd', 'viewer'];
const STAFF: Role[] = ['admin', 'supervisor'];
const REGISTER: Role[] = ['admin', 'supervisor', 'operator'];

const households = () => import('./screens/households');
const supervisor = () => import('./screens/supervisor');
const verifier = () => import('./screens/verifier');
const agency = () => import('./screens/referrals');
const admin = () => import('./screens/admin');
const dashboard = () => import('./screens/dashboard');
const account = () => import('./screens/account');

export const ROUTES: RouteDef[] = [
  { pattern: '/households', roles: REGISTER, load: () => households().then((m) => m.Search) },
  {
    pattern: '/households/:id',
    roles: [...REGISTER, 'verifier'],
    load: () => households().then((m) => m.HouseholdPage),
  },
  { pattern: '/register', roles: REGISTER, load: () => households().then((m) => m.Register) },
  { pattern: '/approvals', roles: STAFF, load: () => supervisor().then((m) => m.Approvals) },
  {
    pattern: '/approvals/:taskId',
    roles: STAFF,
    load: () => supervisor().then((m) => m.ApprovalTask),
  },
  {
    pattern: '/tasks',
    roles: [...STAFF, 'verifier'],
    load: (role) =>
      role === 'verifier'
        ? verifier().then((m) => m.MyTasks)
        : supervisor().then((m) => m.TasksOverview),
  },
  {
    pattern: '/tasks/:taskId/visit',
    roles: ['verifier'],
    load: () => verifier().then((m) => m.VisitForm),
  },
  {
    pattern: '/referrals',
    roles: [...STAFF, 'opd'],
    load: () => agency().then((m) => m.Inbox),
  },
  {
    pattern: '/referrals/:id',
    roles: [...STAFF, 'opd'],
    load: () => agency().then((m) => m.ReferralPage),
  },
  { pattern: '/imports', roles: STAFF, load: () => admin().then((m) => m.Imports) },
  { pattern: '/imports/:id', roles: STAFF, load: () => admin().then((m) => m.ImportPage) },
  { pattern: '/conflicts', roles: STAFF, load: () => admin().then((m) => m.Conflicts) },
  { pattern: '/users', roles: ['admin'], load: () => admin().then((m) => m.Users) },
  { pattern: '/routing', roles: ['admin'], load: () => admin().then((m) => m.Routing) },
  {
    pattern: '/dashboard',
    roles: ['admin', 'supervisor', 'viewer'],
    load: () => dashboard().then((m) => m.Dashboard),
  },
  { pattern: '/account', roles: ALL, load: () => account().then((m) => m.Account) },
];

export const loadAccount = account;

/** Start fetching the screen of `path` (its chunk) before the session is known, when the
 * screen does not depend on the role; the dashboard also starts fetching its figures. A
 * signed-out visitor's requests are simply refused (quietly). */
export function preload(path: string): void {
  if (path === '/dashboard') {
    dashboardAhead();
    void dashboard().catch(() => undefined);
    return;
  }
  const params = (pattern: string) => {
    const want = pattern.split('/').filter(Boolean);
    const have = path.split('/').filter(Boolean);
    return want.length === have.length && want.every((w, i) => w.startsWith(':') || w === have[i]);
  };
  const route = ROUTES.find((r) => params(r.pattern));
  if (route && route.pattern !== '/tasks') void route.load('admin').catch(() => undefined);
}
