import { isDeepStrictEqual } from 'node:util';
import { CompiledQuery, type Compilable } from 'kysely';
import type { Db } from './index.js';

type Value = number | string | Date;
type Slot = { param: string } | { constant: unknown };

/** A value no page passes, standing for parameter `key` while the SQL is compiled. */
function markerFor(key: string, index: number, sample: Value): Value {
  if (typeof sample === 'number') return -1_987_654_000 - index;
  if (typeof sample === 'string') return `\u0000marker:${key}`;
  return new Date(Date.UTC(1001, 0, 1 + index));
}

function sameValue(a: unknown, b: unknown): boolean {
  return a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b;
}

/**
 * A busy page's read, compiled once. Kysely builds and compiles a query tree on every
 * call, which for «Главная» cost a fifth of the web process's time per view, more than
 * Postgres spent answering. `build` must give the same SQL text whatever the values
 * of its parameters (scalars passed through as they are, no branching on them): it is
 * compiled once with a marker for each, and later calls only put the values in place.
 * With `verify` (outside production) every call also compiles afresh and throws if the
 * two differ, so a `build` that breaks the rule fails its tests.
 */
export function preparedRead<P extends Record<string, Value>, R>(
  db: Db,
  build: (params: P) => Compilable<R>,
  options: { verify: boolean },
): (params: P) => Promise<R[]> {
  let compiled: { sql: string; slots: Slot[] } | undefined;

  function compileOnce(sample: P) {
    const keys = Object.keys(sample);
    const markers = Object.fromEntries(keys.map((key, i) => [key, markerFor(key, i, sample[key]!)])) as P;
    const query = build(markers).compile();
    const slots = query.parameters.map((value): Slot => {
      const key = keys.find((k) => sameValue(markers[k], value));
      return key === undefined ? { constant: value } : { param: key };
    });
    return { sql: query.sql, slots };
  }

  return async (params) => {
    compiled ??= compileOnce(params);
    const parameters = compiled.slots.map((slot) => ('param' in slot ? params[slot.param] : slot.constant));
    if (options.verify) {
      const fresh = build(params).compile();
      if (fresh.sql !== compiled.sql || !isDeepStrictEqual(fresh.parameters, parameters)) {
        throw new Error(`preparedRead: the SQL depends on the values of its parameters, compile it each time instead:\n${fresh.sql}`);
      }
    }
    const result = await db.executeQuery<R>(CompiledQuery.raw(compiled.sql, parameters) as CompiledQuery<R>);
    return result.rows;
  };
}
