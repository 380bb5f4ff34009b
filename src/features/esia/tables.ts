import type { NullableTimestamp, Timestamp } from '../../db/columns.js';

/** How far ЕСИА itself has checked the person (its own three levels). */
export type TrustLevel = 'simplified' | 'standard' | 'confirmed';

export type EsiaLinkTable = {
  resident_id: number;
  /** The ЕСИА subject identifier (`sub`); unique: one Госуслуги account, one resident. */
  subject: string;
  trust_level: TrustLevel;
  /** Masked for display only, e.g. «***-***-445 95»; the full number is never stored. */
  snils_masked: string | null;
  passport_masked: string | null;
  linked_at: Timestamp;
  last_sign_in_at: NullableTimestamp;
};

export type EsiaTables = {
  esia_links: EsiaLinkTable;
};
