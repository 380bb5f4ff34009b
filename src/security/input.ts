// Reading untrusted request input the same way in every feature: a malformed
// value reads as empty or unknown, never as an exception.

/**
 * Characters no one types into a form: C0 controls other than tab and line breaks,
 * DEL, C1 controls, and halves of a surrogate pair. Postgres refuses a NUL byte
 * outright, and the rest only ever arrive in a crafted request.
 */
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const CONTROL_CHARACTERS_MESSAGE =
  'В введённом тексте есть служебные символы, которых не бывает в обычном тексте (например, нулевой байт). Уберите их и отправьте форму ещё раз.';

/** The message next to a field that holds such characters. */
export const CONTROL_CHARACTERS_FIELD_MESSAGE = 'Уберите служебные символы (например, нулевой байт): в обычном тексте их не бывает';

export function hasControlCharacters(value: string): boolean {
  return CONTROL_CHARACTERS.test(value);
}

/** The text with those characters taken out, to show it back to the person who typed it. */
export function withoutControlCharacters(value: string): string {
  return value.replace(new RegExp(CONTROL_CHARACTERS.source, 'g'), '');
}

/**
 * The names of the text fields (query string or urlencoded form, repeated ones too)
 * holding characters no one types; a name itself is checked as well.
 */
export function fieldsWithControlCharacters(fields: unknown): string[] {
  if (typeof fields !== 'object' || fields === null) return [];
  const found: string[] = [];
  for (const [name, value] of Object.entries(fields)) {
    const values: unknown[] = Array.isArray(value) ? value : [value];
    if (hasControlCharacters(name) || values.some((v) => typeof v === 'string' && hasControlCharacters(v))) found.push(name);
  }
  return found;
}

/** A text field of a urlencoded form; anything else (missing, repeated) reads as empty. */
export function field(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

/** The text fields of a urlencoded form, by name; repeated and non-text fields are left out. */
export function textFields(body: unknown): Record<string, string> {
  if (typeof body !== 'object' || body === null) return {};
  return Object.fromEntries(Object.entries(body).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/** Every value of a field that may repeat (checkboxes of one name); non-text values are left out. */
export function fieldValues(body: unknown, name: string): string[] {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  const values = Array.isArray(value) ? value : [value];
  return values.filter((v): v is string => typeof v === 'string');
}

/**
 * A numeric id (or page number) from a URL; anything else is "not found", like an
 * unknown id. Capped at the int4 range so a long number never reaches an int column.
 */
export function parseId(raw: unknown): number | null {
  if (typeof raw !== 'string' || !/^[1-9]\d{0,9}$/.test(raw)) return null;
  const id = Number(raw);
  return id <= 2_147_483_647 ? id : null;
}
