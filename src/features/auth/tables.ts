import type { Generated } from 'kysely';
import type { NullableTimestamp, Timestamp } from '../../db/columns.js';


export type TrustedDeviceTable = {
  id: Generated<number>;
  resident_id: number;
  token_hash: string;
  user_agent: string | null;
  expires_at: Timestamp;
  created_at: Timestamp;
};

export type SignInFailureTable = {
  email: string;
  failures: number;
  locked_until: NullableTimestamp;
  updated_at: Timestamp;
};

export type RateLimitTable = {
  key: string;
  window_started_at: Timestamp;
  hits: number;
};

export type AuthTables = {
  trusted_devices: TrustedDeviceTable;
  sign_in_failures: SignInFailureTable;
  rate_limits: RateLimitTable;
};
