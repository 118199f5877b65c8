import { setMaxListeners } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { exchange } from "./exchange.js";
import type { StreamsJob, StreamsResult } from "./jobs.js";
import { poolFor } from "./pool.js";

/**
 * Keeps `concurrency` streams open for warm-up + duration, then aborts whatever is still open.
 * Streams started during the warm-up are discarded; throughput counts token chunks that
 * arrived inside the measured window, whichever stream carried them.
 */
export async function runStreams(job: StreamsJob): Promise<StreamsResult> {
  const pool = poolFor(job.target.origin, job.concurrency);
  const result: StreamsResult = {
    streams: 0,
    tokens: 0,
    elapsedMs: job.durationMs,
    ttftMs: [],
    latenessMs: [],
    errors: 0,
  };
  const windowStart = performance.now() + job.warmupMs;
  const windowEnd = windowStart + job.durationMs;
  const stop = new AbortController();
  setMaxListeners(0, stop.signal); // one signal ends every stream of the job
  const timer = setTimeout(() => stop.abort(), windowEnd - performance.now());
  const schedule = job.schedule;

  const worker = async (_: unknown, k: number) => {
    const stagger = ((job.staggerMs ?? 0) * k) / job.concurrency;
    if (stagger > 0) await sleep(stagger);
    while (performance.now() < windowEnd) {
      const x = await exchange(pool, job.target, job.body, {
        keepTokenTimes: true,
        signal: stop.signal,
      });
      for (const at of x.tokenTimes ?? [])
        if (at >= windowStart && at <= windowEnd) result.tokens++;
      if (x.error) {
        result.errors++;
        result.firstError ??= x.error;
        await sleep(5);
        continue;
      }
      // A stream cut at the end of the window still timed the tokens it got.
      if (x.startedAt >= windowStart) {
        result.streams++;
        if (x.firstTokenAt !== undefined) result.ttftMs.push(x.firstTokenAt - x.startedAt);
        if (schedule) {
          x.tokenTimes?.forEach((at, j) => {
            const due = schedule.firstByteDelayMs + (1 + j) * schedule.chunkDelayMs;
            result.latenessMs.push(at - x.startedAt - due);
          });
        }
      }
      if (x.aborted) break;
    }
  };
  try {
    await Promise.all(Array.from({ length: job.concurrency }, worker));
  } finally {
    clearTimeout(timer);
    await pool.destroy();
  }
  return result;
}
