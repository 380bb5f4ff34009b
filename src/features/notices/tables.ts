import type { Generated } from 'kysely';
import type { Defaulted, NullableTimestamp, Timestamp } from '../../db/columns.js';

// Outage and repair notices, their buildings and versions, the emails each version
// owes, opt-outs, and the excess hours closed notices leave for bills.

export type NoticeKind = 'planned' | 'emergency' | 'repair';
export type NoticeResource = 'hot_water' | 'cold_water' | 'electricity' | 'gas' | 'heating';
export type NoticeStatus = 'published' | 'closed' | 'withdrawn';
export type NoticeChange = 'published' | 'updated' | 'extended' | 'closed' | 'withdrawn';

export type NoticeTable = {
  id: Generated<number>;
  kind: NoticeKind;
  resource: NoticeResource;
  starts_at: Timestamp;
  ends_at: NullableTimestamp;
  supplier: string;
  reason: string;
  body: string;
  long_outage_confirmed: Defaulted<boolean>;
  status: Defaulted<NoticeStatus>;
  actual_end_at: NullableTimestamp;
  withdrawal_reason: string | null;
  version: Defaulted<number>;
  created_by: number;
  created_at: Timestamp;
  updated_at: Timestamp;
};

export type NoticeBuildingTable = { notice_id: number; building_id: number };

export type NoticeVersionTable = {
  id: Generated<number>;
  notice_id: number;
  version: number;
  change: NoticeChange;
  staff_id: number;
  subject: string;
  text: string;
  html: string;
  created_at: Timestamp;
  fanned_out_at: NullableTimestamp;
};

export type NoticeDeliveryTable = {
  id: Generated<number>;
  notice_version_id: number;
  resident_id: number;
  sent_message_id: number | null;
  sent_at: NullableTimestamp;
};

export type NoticeEmailOptOutTable = { resident_id: number; created_at: Timestamp };

export type OutageExcessHoursTable = {
  notice_id: number;
  building_id: number;
  service: string;
  period: string;
  excess_hours: number;
  created_at: Timestamp;
};

export type NoticesTables = {
  notices: NoticeTable;
  notice_buildings: NoticeBuildingTable;
  notice_versions: NoticeVersionTable;
  notice_deliveries: NoticeDeliveryTable;
  notice_email_opt_outs: NoticeEmailOptOutTable;
  outage_excess_hours: OutageExcessHoursTable;
};
