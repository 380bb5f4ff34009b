import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/index.js';
import type { Clock } from '../../lib/calendar.js';
import { moscowDate } from '../../lib/calendar.js';
import type { FiscalReceipt, FiscalReceiptRequest, FiscalRegister } from './register.js';
import { TAX_SERVICE_SITE, fiscalQr, fiscalSign, requestProblems } from './rules.js';

// The sandbox online register: one register with one fiscal drive, registered to the
// operator of the cabinet, which takes payments as a payment agent of the payees.
// It numbers documents without gaps, opens a shift per Moscow day, signs each
// document and answers a repeated request with the document it already issued.
// It keeps its state in its own tables and is reached only through FiscalRegister.

const SANDBOX_REGISTRATION = {
  registration_number: '0000000001012345',
  fn_number: '9999078900012345',
  company_name: 'ООО «Расчётный центр ЖКУ»',
  company_inn: '7709876545',
  tax_system: 'osn' as const,
  ofd_name: 'ООО «Песочница ОФД»',
};

type DocumentRow = {
  external_id: string;
  fd_number: number;
  fiscal_sign: string;
  shift_number: number;
  number_in_shift: number;
  total_kopecks: number | string;
  customer_contact: string;
  issued_at: Date;
  registration_number: string;
  fn_number: string;
  company_name: string;
  company_inn: string;
  tax_system: FiscalReceipt['taxSystem'];
  settlement_place: string;
  ofd_name: string;
};

/** The register refused a receipt (a real one answers such a request with an error, not a document). */
export class FiscalRegisterRefusal extends Error {
  override name = 'FiscalRegisterRefusal';
}

export class SandboxFiscalRegister implements FiscalRegister {
  /** settlementPlace: the address of the site where residents pay (место расчётов). */
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly settlementPlace: string,
  ) {}

  async register(request: FiscalReceiptRequest): Promise<FiscalReceipt> {
    const problems = requestProblems(request);
    if (problems.length > 0) throw new FiscalRegisterRefusal(`the register refused the receipt: ${problems.join('; ')}`);
    const existing = await this.find(request.externalId);
    if (existing) return existing;
    await this.ensureRegistered();
    await this.db.transaction().execute(async (trx) => {
      const issuedAt = this.clock.now();
      const today = moscowDate(issuedAt);
      // The row lock on the register serialises documents: ФД numbers never skip or repeat.
      const register = await trx
        .updateTable('sandbox_fiscal_registers')
        .set((eb) => ({
          last_fd_number: eb('last_fd_number', '+', 1),
          shift_number: eb.case().when('shift_date', '=', today).then(eb.ref('shift_number')).else(eb('shift_number', '+', 1)).end(),
          last_number_in_shift: eb.case().when('shift_date', '=', today).then(eb('last_number_in_shift', '+', 1)).else(1).end(),
          shift_date: today,
        }))
        .where('registration_number', '=', SANDBOX_REGISTRATION.registration_number)
        .returning(['id', 'fn_number', 'sign_key', 'last_fd_number', 'shift_number', 'last_number_in_shift'])
        .executeTakeFirstOrThrow();
      const fdNumber = register.last_fd_number;
      const inserted = await trx
        .insertInto('sandbox_fiscal_documents')
        .values({
          register_id: register.id,
          external_id: request.externalId,
          fd_number: fdNumber,
          fiscal_sign: fiscalSign(register.sign_key, { fnNumber: register.fn_number, fdNumber, issuedAt, totalKopecks: request.totalKopecks }),
          shift_number: register.shift_number,
          number_in_shift: register.last_number_in_shift,
          total_kopecks: request.totalKopecks,
          customer_contact: request.customerContact,
          request: JSON.stringify(request),
          issued_at: issuedAt,
        })
        // A concurrent request with the same key won: this one gives its number back (rollback below).
        .onConflict((oc) => oc.column('external_id').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) throw new DuplicateRequest();
    }).catch((error) => {
      if (!(error instanceof DuplicateRequest)) throw error;
    });
    const issued = await this.find(request.externalId);
    if (!issued) throw new Error('the sandbox register lost a document it issued');
    return issued;
  }

  private async ensureRegistered(): Promise<void> {
    await this.db
      .insertInto('sandbox_fiscal_registers')
      .values({ ...SANDBOX_REGISTRATION, settlement_place: this.settlementPlace, sign_key: randomBytes(32).toString('hex') })
      .onConflict((oc) => oc.column('registration_number').doNothing())
      .execute();
  }

  private async find(externalId: string): Promise<FiscalReceipt | null> {
    const row = (await this.db
      .selectFrom('sandbox_fiscal_documents as d')
      .innerJoin('sandbox_fiscal_registers as r', 'r.id', 'd.register_id')
      .select([
        'd.external_id', 'd.fd_number', 'd.fiscal_sign', 'd.shift_number', 'd.number_in_shift', 'd.total_kopecks', 'd.customer_contact', 'd.issued_at',
        'r.registration_number', 'r.fn_number', 'r.company_name', 'r.company_inn', 'r.tax_system', 'r.settlement_place', 'r.ofd_name',
      ])
      .where('d.external_id', '=', externalId)
      .executeTakeFirst()) as DocumentRow | undefined;
    if (!row) return null;
    const base = {
      fnNumber: row.fn_number,
      fdNumber: row.fd_number,
      fiscalSign: row.fiscal_sign,
      issuedAt: new Date(row.issued_at),
      totalKopecks: Number(row.total_kopecks),
    };
    return {
      ...base,
      externalId: row.external_id,
      registrationNumber: row.registration_number,
      shiftNumber: row.shift_number,
      numberInShift: row.number_in_shift,
      companyName: row.company_name,
      companyInn: row.company_inn,
      taxSystem: row.tax_system,
      settlementPlace: row.settlement_place,
      ofdName: row.ofd_name,
      taxServiceSite: TAX_SERVICE_SITE,
      customerContact: row.customer_contact,
      qr: fiscalQr(base),
    };
  }
}

class DuplicateRequest extends Error {}
