import type { StaffRole } from '../../db/schema.js';

export const ROLES: readonly StaffRole[] = ['admin', 'moderator', 'dispatcher'];

export const ROLE_LABELS: Record<StaffRole, string> = {
  admin: 'администратор',
  moderator: 'модератор',
  dispatcher: 'диспетчер',
};

/** Checked boxes → known roles, in a fixed order, no repeats. */
export function parseRoles(values: string[]): StaffRole[] {
  return ROLES.filter((role) => values.includes(role));
}

export function roleList(roles: StaffRole[]): string {
  return roles.map((role) => ROLE_LABELS[role]).join(', ');
}
