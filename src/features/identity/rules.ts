import type { IdentityStatus } from '../../db/schema.js';
import type { DocumentKind, DocumentMime } from './tables.js';

// Pure rules of identity verification: words, limits, file names, reasons.

export const DOCUMENT_KINDS: Record<DocumentKind, string> = {
  passport: 'Паспорт РФ',
  driving_licence: 'Водительское удостоверение',
  other: 'Другой документ',
};

export function isDocumentKind(value: unknown): value is DocumentKind {
  return typeof value === 'string' && Object.hasOwn(DOCUMENT_KINDS, value);
}

/** A resident may send documents unless some are waiting or they are already confirmed. */
export function canUpload(status: IdentityStatus): boolean {
  return status === 'none' || status === 'rejected';
}

export const MAX_FILE_BYTES = 10 * 1024 * 1024;
export const MAX_FILES = 5;

/** The only types accepted, as decided from the bytes, with the extension a download gets. */
export const ALLOWED_TYPES: Record<DocumentMime, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'application/pdf': 'pdf',
};

export function isAllowedMime(mime: string | undefined): mime is DocumentMime {
  return mime !== undefined && Object.hasOwn(ALLOWED_TYPES, mime);
}

export const CONSENT_LABEL = 'Я согласен на обработку персональных данных';

/** The full consent wording shown under the checkbox; it is stored with each submission. */
export function consentText(retentionDays: number): string {
  return (
    `${CONSENT_LABEL}: сканов документа, удостоверяющего личность, и сведений из него — ` +
    'для подтверждения моей личности в Личном кабинете ЖКУ (152-ФЗ). ' +
    `Сканы удаляются через ${retentionDays} дн. после решения модератора.`
  );
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Browsers send a bare file name; a path in it (../, /, \) means a crafted
 * request. Such names are refused rather than silently cut down.
 */
export function fileNameProblem(name: string): string | null {
  if (/[\\/]/.test(name) || name.split(/[\\/]/).includes('..') || name === '.' || name === '..') {
    return `Имя файла «${displayName(name)}» содержит путь к папке. Переименуйте файл и загрузите его снова.`;
  }
  if (CONTROL.test(name)) return 'Имя файла содержит недопустимые символы. Переименуйте файл и загрузите его снова.';
  return null;
}

/** The resident's file name made harmless for display: no control characters, not too long. */
export function displayName(name: string): string {
  const clean = name.normalize('NFC').replace(new RegExp(CONTROL, 'g'), '').trim();
  const short = clean.length > 120 ? `${clean.slice(0, 117)}…` : clean;
  return short === '' ? 'документ' : short;
}

/**
 * The resident's file name with the extension of the type found in its bytes: a PDF
 * uploaded as "скан.exe" or "скан.html" is saved by the browser as "скан.pdf".
 */
export function downloadName(originalName: string, extension: string): string {
  const shown = displayName(originalName);
  const stem = shown.replace(/\.[^.]*$/, '').trim();
  return `${stem === '' ? 'документ' : stem}.${extension}`;
}

/**
 * `inline` with an ASCII fallback name and the original name in RFC 5987 form,
 * so neither quotes nor non-ASCII letters can break the header.
 */
export function contentDisposition(id: number, mime: DocumentMime, originalName: string): string {
  const extension = ALLOWED_TYPES[mime];
  const fallback = `document-${id}.${extension}`;
  const encoded = encodeURIComponent(downloadName(originalName, extension)).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `inline; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

export const REJECTION_REASONS = [
  'Скан нечитаемый или обрезан',
  'Документ недействителен или срок его действия истёк',
  'Загружен не тот документ',
  'Нет страницы с фотографией и данными владельца',
] as const;

const MAX_REASON_LENGTH = 500;

/**
 * The reason the resident will read: a common reason picked from the list,
 * free text, or both. Nothing picked and nothing written is an error.
 */
export function rejectionReason(choice: unknown, text: unknown): { ok: true; reason: string } | { ok: false; error: string } {
  const comment = typeof text === 'string' ? text.trim() : '';
  const picked = typeof choice === 'string' && (REJECTION_REASONS as readonly string[]).includes(choice) ? choice : undefined;
  if (comment.length > MAX_REASON_LENGTH) {
    return { ok: false, error: `Пояснение слишком длинное: не больше ${MAX_REASON_LENGTH} символов.` };
  }
  if (!picked && comment === '') {
    return { ok: false, error: 'Укажите причину отказа: выберите её из списка или напишите свою.' };
  }
  if (!picked) return { ok: true, reason: comment };
  return { ok: true, reason: comment === '' ? picked : `${picked}. ${comment}` };
}

export type PersonalData = { lastName: string; firstName: string; middleName: string; birthDate: string };
export type PersonalDataErrors = Partial<Record<keyof PersonalData, string>>;

// Letters of any alphabet, with the hyphens, spaces and apostrophes of real names.
const NAME = /^\p{L}+(?:[ '’-]\p{L}+)*$/u;

function nameError(value: string, what: string, required: boolean): string | undefined {
  if (value === '') return required ? `Введите ${what}` : undefined;
  if (value.length > 60) return `${what[0]!.toUpperCase()}${what.slice(1)} — не больше 60 символов`;
  if (!NAME.test(value)) return `${what[0]!.toUpperCase()}${what.slice(1)} — буквы, дефис, пробел или апостроф, как в документе`;
  return undefined;
}

/**
 * The name and date of birth as in the document. The patronymic is optional
 * (not everyone has one); the date of birth makes an adult-or-teen age, since a
 * passport is issued from 14.
 */
export function validatePersonalData(data: PersonalData, today: string): PersonalDataErrors {
  const errors: PersonalDataErrors = {};
  const lastName = nameError(data.lastName, 'фамилию', true);
  if (lastName) errors.lastName = lastName;
  const firstName = nameError(data.firstName, 'имя', true);
  if (firstName) errors.firstName = firstName;
  const middleName = nameError(data.middleName, 'отчество', false);
  if (middleName) errors.middleName = middleName;
  const birth = data.birthDate;
  if (birth === '') errors.birthDate = 'Введите дату рождения';
  else if (!/^\d{4}-\d{2}-\d{2}$/.test(birth) || Number.isNaN(Date.parse(`${birth}T00:00:00Z`)) || new Date(`${birth}T00:00:00Z`).toISOString().slice(0, 10) !== birth) {
    errors.birthDate = 'Введите дату рождения, например 1980-05-31';
  } else {
    const age = Number(today.slice(0, 4)) - Number(birth.slice(0, 4)) - (today.slice(5) < birth.slice(5) ? 1 : 0);
    if (age < 14) errors.birthDate = 'Подтвердить личность можно с 14 лет';
    else if (age > 120) errors.birthDate = 'Проверьте год рождения';
  }
  return errors;
}

/** Trimmed, inner spaces collapsed. */
export function cleanPersonalData(data: PersonalData): PersonalData {
  const clean = (v: string) => v.trim().replace(/\s+/g, ' ');
  return { lastName: clean(data.lastName), firstName: clean(data.firstName), middleName: clean(data.middleName), birthDate: data.birthDate.trim() };
}
