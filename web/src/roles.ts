// What each role sees in the menu and where it lands after signing in.
import type { Role } from './api/types';
import type { Key } from './i18n';

export interface NavItem {
  href: string;
  label: Key;
  roles: Role[];
}

const STAFF: Role[] = ['admin', 'supervisor'];

export const NAV: NavItem[] = [
  { href: '/dashboard', label: 'nav.dashboard', roles: ['admin', 'supervisor', 'viewer'] },
  { href: '/households', label: 'nav.households', roles: ['admin', 'supervisor', 'operator'] },
  { href: '/register', label: 'nav.register', roles: ['admin', 'supervisor', 'operator'] },
  { href: '/approvals', label: 'nav.approvals', roles: STAFF },
  { href: '/tasks', label: 'nav.tasks', roles: STAFF },
  { href: '/tasks', label: 'nav.myTasks', roles: ['verifier'] },
  { href: '/referrals', label: 'nav.referrals', roles: ['admin', 'supervisor', 'opd'] },
  { href: '/imports', label: 'nav.imports', roles: STAFF },
  { href: '/conflicts', label: 'nav.conflicts', roles: STAFF },
  { href: '/users', label: 'nav.users', roles: ['admin'] },
  { href: '/routing', label: 'nav.routing', roles: ['admin'] },
  {
    href: '/account',
    label: 'nav.account',
    roles: ['admin', 'supervisor', 'operator', 'verifier', 'opd', 'viewer'],
  },
];

export const LANDING: Record<Role, string> = {
  admin: '/dashboard',
  supervisor: '/approvals',
  operator: '/households',
  verifier: '/tasks',
  opd: '/referrals',
  viewer: '/dashboard',
};

export const navFor = (role: Role) => NAV.filter((item) => item.roles.includes(role));
