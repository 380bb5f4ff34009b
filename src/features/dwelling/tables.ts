import type { Generated } from 'kysely';
import type { CalendarDate, Timestamp } from '../../db/columns.js';

export type DwellingChangeTable = {
  id: Generated<number>;
  payer_account_id: number;
  area: number;
  residents_count: number;
  effective_from: CalendarDate;
  submitted_by: number;
  submitted_at: Timestamp;
};

export type DwellingTables = { dwelling_changes: DwellingChangeTable };
