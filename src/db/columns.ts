import type { ColumnType } from 'kysely';

// Column types every feature's row types use, written once.

/** timestamptz, required: read as a Date, written as a Date or an ISO string. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** timestamptz with a database default (now()). */
export type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** timestamptz that may be null. */
export type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** A date column, YYYY-MM-DD (the type parser keeps it a string). */
export type CalendarDate = string;
/** jsonb, written as JSON text. */
export type Json = ColumnType<unknown, string, string>;
/** A column with a database default: optional on insert. */
export type Defaulted<T> = ColumnType<T, T | undefined, T>;
