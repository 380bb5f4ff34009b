import type { LineSource } from './tables.js';

/** How a line's quantity was found, as the bill explains it. */
export const SOURCE_LABELS: Record<LineSource, string> = {
  area: 'по площади',
  reading: 'по показаниям',
  average: 'по среднему за 6 месяцев',
  norm: 'по нормативу',
  norm_raised: 'по нормативу с повышающим коэффициентом',
  recalculation: 'перерасчёт',
};
