import type { Generated } from 'kysely';

// The registry: providers, buildings, flats (premises) and their payer accounts.

export type ProviderTable = { id: Generated<number>; name: string; inn: string };
export type BuildingTable = { id: Generated<number>; unom: number; address: string };
export type PremisesTable = {
  id: Generated<number>;
  building_id: number;
  flat_number: string;
  area: number;
  residents_count: number;
};
export type PayerAccountTable = {
  id: Generated<number>;
  payer_code: string;
  provider_id: number;
  premises_id: number;
};

export type AccountsTables = {
  providers: ProviderTable;
  buildings: BuildingTable;
  premises: PremisesTable;
  payer_accounts: PayerAccountTable;
};
