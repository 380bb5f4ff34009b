import type { Generated } from 'kysely';
import type { NullableTimestamp, Timestamp } from '../../db/columns.js';

export type CoOwnerRights = 'view' | 'view_pay';
export type CoOwnerGrantTable = {
  id: Generated<number>;
  payer_account_id: number;
  invited_by: number;
  invited_email: string;
  rights: CoOwnerRights;
  invited_at: Timestamp;
  accepted_by: number | null;
  accepted_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
};

export type CoOwnersTables = { co_owner_grants: CoOwnerGrantTable };
