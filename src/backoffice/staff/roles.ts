import type { StaffRole } from '../../db/schema.js';
import { STAFF_ROLE_LABELS, choicesOf } from '../../lib/labels.js';

export const ROLES: readonly StaffRole[] = ['admin', 'moderator', 'dispatcher'];

/** The role checkboxes on the staff forms. */
export const ROLE_CHOICES = choicesOf(STAFF_ROLE_LABELS);

/** Checked boxes → known roles, in a fixed order, no repeats. */
export function parseRoles(values: string[]): StaffRole[] {
  return ROLES.filter((role) => values.includes(role));
}

export function roleList(roles: StaffRole[]): string {
  return roles.map((role) => STAFF_ROLE_LABELS[role]).join(', ');
}
