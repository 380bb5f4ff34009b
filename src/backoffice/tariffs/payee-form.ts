import { isValidCorrespondentAccount, isValidInn, isValidSettlementAccount } from '../../features/billing/rules.js';
import type { NewPayee } from '../../features/billing/reference.js';

/** The «Новый получатель платежей» form as typed. */
export type PayeeForm = { name: string; inn: string; kpp: string; bank_name: string; bic: string; account: string; corr_account: string };

export const EMPTY_PAYEE_FORM: PayeeForm = { name: '', inn: '', kpp: '', bank_name: '', bic: '', account: '', corr_account: '' };

// People paste bank details with spaces between the groups of digits.
const digits = (value: string) => value.replace(/[\s-]/g, '');

/** Checks a new payee's details; bank accounts are checked against the БИК by their control key. */
export function validatePayee(form: PayeeForm): { ok: true; payee: NewPayee } | { ok: false; errors: Partial<Record<keyof PayeeForm, string>> } {
  const errors: Partial<Record<keyof PayeeForm, string>> = {};
  const name = form.name.trim().replace(/\s+/g, ' ');
  const bankName = form.bank_name.trim().replace(/\s+/g, ' ');
  const [inn, kpp, bic, account, corrAccount] = [form.inn, form.kpp, form.bic, form.account, form.corr_account].map(digits) as [string, string, string, string, string];
  if (name === '') errors.name = 'Введите наименование получателя';
  else if (name.length > 300) errors.name = 'Наименование — не больше 300 символов';
  if (!/^\d{10}$/.test(inn)) errors.inn = 'ИНН организации — 10 цифр';
  else if (!isValidInn(inn)) errors.inn = 'ИНН с ошибкой: не сходится контрольная цифра';
  if (!/^\d{9}$/.test(kpp)) errors.kpp = 'КПП — 9 цифр';
  if (bankName === '') errors.bank_name = 'Введите название банка';
  else if (bankName.length > 300) errors.bank_name = 'Название банка — не больше 300 символов';
  if (!/^\d{9}$/.test(bic)) errors.bic = 'БИК — 9 цифр';
  if (!/^\d{20}$/.test(account)) errors.account = 'Расчётный счёт — 20 цифр';
  else if (!errors.bic && !isValidSettlementAccount(bic, account)) errors.account = 'Расчётный счёт не сходится с БИК: проверьте оба номера';
  if (!/^\d{20}$/.test(corrAccount)) errors.corr_account = 'Корреспондентский счёт — 20 цифр';
  else if (!corrAccount.startsWith('30101')) errors.corr_account = 'Корреспондентский счёт начинается с 30101';
  else if (!errors.bic && !isValidCorrespondentAccount(bic, corrAccount)) errors.corr_account = 'Корреспондентский счёт не сходится с БИК: проверьте оба номера';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, payee: { name, inn, kpp, bankName, bic, account, corrAccount } };
}
