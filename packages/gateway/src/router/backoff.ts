/** How long to wait before retrying a backend already tried in this request. */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/**
 * "Full jitter": a uniform delay between 0 and the capped exponential step. Concurrent
 * retries spread out instead of hitting a recovering backend in lockstep.
 * `retry` counts from 0 (the first retry).
 */
export function fullJitter(retry: number, options: BackoffOptions, random: () => number): number {
  const step = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(retry, 30));
  return Math.floor(random() * step);
}
