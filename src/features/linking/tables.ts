import type { Generated } from 'kysely';
import type { Defaulted, NullableTimestamp, Timestamp } from '../../db/columns.js';

// Residents' requests to link a payer account, and the approved links.

export type LinkStatus = 'pending' | 'approved' | 'rejected';

export type AccountLinkTable = {
  id: Generated<number>;
  resident_id: number;
  requested_payer_code: string;
  requested_provider_id: number;
  requested_flat: string;
  consented_at: Timestamp;
  payer_account_id: number | null;
  status: Defaulted<LinkStatus>;
  reason: string | null;
  decided_by: number | null;
  decided_at: NullableTimestamp;
  created_at: Generated<Date>;
};

export type LinkingTables = { account_links: AccountLinkTable };
