import type { NullableTimestamp } from '../../db/columns.js';

// Columns the back office adds to the foundation's `staff` table (migration 0003).
export type StaffTotpColumns = {
  totp_secret: string | null;
  totp_enabled_at: NullableTimestamp;
  totp_last_step: number | null;
};

export type BackofficeTables = { staff: StaffTotpColumns };
