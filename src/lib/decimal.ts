// Parsing numbers people type: a comma or a dot, a bounded number of decimals.

/** The result of reading a typed value: the value, or the Russian message for the field. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

