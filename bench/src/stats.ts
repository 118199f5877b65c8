/** Sorted copy, ascending. */
export function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** The q-quantile (0..1) of ascending values, linearly interpolated; NaN when empty. */
export function quantileOfSorted(ascending: readonly number[], q: number): number {
  if (ascending.length === 0) return Number.NaN;
  const at = Math.min(Math.max(q, 0), 1) * (ascending.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  const a = ascending[lo]!;
  const b = ascending[hi]!;
  return a + (b - a) * (at - lo);
}

export function quantile(values: readonly number[], q: number): number {
  return quantileOfSorted(sorted(values), q);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** p50/p90/p99/max of one sample set, in the sample's unit. */
export interface Percentiles {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function percentiles(values: readonly number[]): Percentiles {
  const s = sorted(values);
  return {
    n: s.length,
    p50: quantileOfSorted(s, 0.5),
    p90: quantileOfSorted(s, 0.9),
    p99: quantileOfSorted(s, 0.99),
    max: s.length ? s[s.length - 1]! : Number.NaN,
  };
}

/**
 * The distribution as 0th..100th percentiles plus p99.9: enough to redraw the latency chart
 * from latest.json without keeping every sample.
 */
export function distribution(values: readonly number[]): number[] {
  const s = sorted(values);
  if (s.length === 0) return [];
  const points: number[] = [];
  for (let p = 0; p <= 100; p++) points.push(quantileOfSorted(s, p / 100));
  points.splice(100, 0, quantileOfSorted(s, 0.999));
  return points.map(round3);
}

/** Per-field median of per-round figures: rounds are summarised first, then their medians quoted. */
export function medianOfRounds<T extends Record<string, number>>(rounds: readonly T[]): T {
  const first = rounds[0];
  if (!first) throw new Error("medianOfRounds: no rounds");
  const out: Record<string, number> = {};
  for (const key of Object.keys(first)) out[key] = median(rounds.map((r) => r[key]!));
  return out as T;
}

export const round3 = (v: number): number => Math.round(v * 1000) / 1000;
