import fp from 'fastify-plugin';

/**
 * The app's idea of "now". APP_TODAY moves the calendar date (keeping the time of
 * day) so that reading windows, due dates and billing can be shown on any day.
 * Billing periods and due dates are Moscow dates; Moscow is UTC+3 all year.
 */
export type Clock = {
  now(): Date;
  /** Today's date in Moscow, YYYY-MM-DD. */
  today(): string;
};

const MOSCOW_OFFSET_MS = 3 * 60 * 60 * 1000;

/** A real calendar date written YYYY-MM-DD: "2026-02-30" is not one, though Date would roll it over. */
export function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

export function moscowDate(instant: Date): string {
  return new Date(instant.getTime() + MOSCOW_OFFSET_MS).toISOString().slice(0, 10);
}

export function createClock(appToday?: string, realNow: () => Date = () => new Date()): Clock {
  const shiftMs = () => {
    if (!appToday) return 0;
    const real = realNow();
    const realDay = Date.parse(`${moscowDate(real)}T00:00:00Z`);
    return Date.parse(`${appToday}T00:00:00Z`) - realDay;
  };
  const now = () => new Date(realNow().getTime() + shiftMs());
  return { now, today: () => moscowDate(now()) };
}

declare module 'fastify' {
  interface FastifyInstance {
    clock: Clock;
  }
}

export default fp<{ clock: Clock }>(
  async (app, opts) => {
    app.decorate('clock', opts.clock);
  },
  { name: 'clock' },
);
