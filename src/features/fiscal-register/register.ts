// The online register (онлайн-касса, 54-ФЗ) behind an adapter: the application asks
// for a receipt and stores what comes back; a real cloud register (АТОЛ Онлайн,
// OFD.ru and the like) implements the same interface later. Outside production the
// sandbox register (sandbox.ts) answers.

/** Системы налогообложения (tag 1055) the register may be registered with. */
export type TaxSystem = 'osn' | 'usn_income' | 'usn_income_outcome' | 'esn' | 'patent';

/** One line of the receipt. Every line of ours is a utility service paid as a payment agent. */
export type FiscalItem = {
  /** Предмет расчёта, e.g. «Холодная вода, ноябрь 2026 г., л/с 7700000010». */
  name: string;
  amountKopecks: number;
  /** Always 1: one service for one period. */
  quantity: 1;
  /** Признак способа расчёта (1214): «Полный расчёт». */
  paymentMethod: 'full_payment';
  /** Признак предмета расчёта (1212): «Услуга». */
  paymentObject: 'service';
  /** Ставка НДС (1199): the agent sells nobody's goods of its own, «без НДС». */
  vat: 'none';
  /** Признак агента (1222): «Платёжный агент», with the supplier (1224–1226). */
  agent: 'payment_agent';
  supplier: { name: string; inn: string; phone: string };
};

export type FiscalReceiptRequest = {
  /** The caller's idempotency key: a second request with it returns the first receipt. */
  externalId: string;
  /** Признак расчёта (1054): «Приход». */
  operation: 'income';
  items: FiscalItem[];
  /** Paid electronically (безналичными); equals the sum of the items. */
  totalKopecks: number;
  /** Where the electronic receipt goes (1008): the buyer's email or phone. */
  customerContact: string;
  /** When the money was taken; the register prints its own time of registration. */
  paidAt: Date;
};

/** What the register (through its ОФД) answers: the fiscal data printed on the receipt. */
export type FiscalReceipt = {
  externalId: string;
  /** Регистрационный номер ККТ, 16 digits. */
  registrationNumber: string;
  /** Номер фискального накопителя (ФН), 16 digits. */
  fnNumber: string;
  /** Номер фискального документа (ФД), increasing without gaps per ФН. */
  fdNumber: number;
  /** Фискальный признак документа (ФП), 10 digits. */
  fiscalSign: string;
  shiftNumber: number;
  numberInShift: number;
  issuedAt: Date;
  companyName: string;
  companyInn: string;
  taxSystem: TaxSystem;
  /** Место расчётов: the site where the payment was made. */
  settlementPlace: string;
  ofdName: string;
  /** Сайт ФНС where the receipt can be checked. */
  taxServiceSite: string;
  totalKopecks: number;
  customerContact: string;
  /** The string of the receipt's QR code: t=…&s=…&fn=…&i=…&fp=…&n=1. */
  qr: string;
};

export interface FiscalRegister {
  /** Registers a receipt, or returns the one already registered under request.externalId. */
  register(request: FiscalReceiptRequest): Promise<FiscalReceipt>;
}
