import type { Generated } from 'kysely';
import type { Defaulted, NullableTimestamp, Timestamp } from '../../db/columns.js';

// Residents' requests to link a payer account, and the approved links.

/** 'withdrawn' by the resident; 'transferred' when staff handed the ownership to someone else. */
export type LinkStatus = 'pending' | 'approved' | 'rejected' | 'withdrawn' | 'transferred';

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
  /** A refused or withdrawn request the resident no longer wants to see in the list. */
  hidden_at: NullableTimestamp;
};

export type OwnershipTransferTable = {
  id: Generated<number>;
  payer_account_id: number;
  from_resident_id: number | null;
  to_resident_id: number;
  reason: string;
  staff_id: number;
  created_at: Timestamp;
};

export type LinkingTables = { account_links: AccountLinkTable; ownership_transfers: OwnershipTransferTable };
