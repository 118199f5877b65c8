import { setTimeout as sleep } from "node:timers/promises";
import { exchange } from "./exchange.js";
import type { ClosedLoopJob, ClosedLoopResult } from "./jobs.js";
import { poolFor } from "./pool.js";

/**
 * Keeps `connections` requests in flight. Requests that start during the warm-up are
 * discarded; throughput counts those that finish inside the measured window.
 */
export async function runClosedLoop(job: ClosedLoopJob): Promise<ClosedLoopResult> {
  const pool = poolFor(job.target.origin, job.connections);
  const result: ClosedLoopResult = {
    completed: 0,
    served: 0,
    elapsedMs: job.durationMs,
    latenciesMs: [],
    errors: 0,
  };
  const windowStart = performance.now() + job.warmupMs;
  const windowEnd = windowStart + job.durationMs;
  let left = job.maxRequests ?? Number.POSITIVE_INFINITY;
  const worker = async () => {
    while (performance.now() < windowEnd && left-- > 0) {
      const x = await exchange(pool, job.target, job.body);
      if (x.error) {
        result.errors++;
        result.firstError ??= x.error;
        // A contender that fails at once must not turn this loop into a busy spin.
        await sleep(5);
        continue;
      }
      result.served++;
      if (x.startedAt >= windowStart) result.latenciesMs.push(x.endedAt - x.startedAt);
      if (x.endedAt >= windowStart && x.endedAt <= windowEnd) result.completed++;
    }
  };
  try {
    await Promise.all(Array.from({ length: job.connections }, worker));
  } finally {
    await pool.close();
  }
  return result;
}
