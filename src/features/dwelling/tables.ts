import type { Generated } from 'kysely';
import type { CalendarDate, Defaulted, NullableTimestamp, Timestamp } from '../../db/columns.js';

export type DwellingRequestStatus = 'pending' | 'approved' | 'rejected';

export type DwellingChangeTable = {
  id: Generated<number>;
  payer_account_id: number;
  area: number;
  residents_count: number;
  effective_from: CalendarDate;
  submitted_by: number;
  submitted_at: Timestamp;
  /** A resident's change is a request until staff decide; only approved ones apply. */
  status: Defaulted<DwellingRequestStatus>;
  comment: string | null;
  decided_by: number | null;
  decided_at: NullableTimestamp;
  reason: string | null;
};

export type DwellingTables = { dwelling_changes: DwellingChangeTable };
