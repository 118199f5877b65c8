import { exchange } from "./exchange.js";
import type { SequentialJob, SequentialResult } from "./jobs.js";
import { poolFor } from "./pool.js";

export async function runSequential(job: SequentialJob): Promise<SequentialResult> {
  const pool = poolFor(job.target.origin, 1);
  const result: SequentialResult = { latenciesMs: [], tokens: [], errors: 0 };
  let failedInARow = 0;
  try {
    for (let i = 0; i < job.warmup + job.count; i++) {
      const x = await exchange(pool, job.target, job.body);
      if (x.error) {
        result.errors++;
        result.firstError ??= x.error;
        // A contender that fails every request has said so; it need not say it 300 times.
        if (++failedInARow >= 5) break;
        continue;
      }
      failedInARow = 0;
      if (i < job.warmup) continue;
      result.latenciesMs.push(x.endedAt - x.startedAt);
      result.tokens.push(x.tokens);
    }
  } finally {
    await pool.close();
  }
  return result;
}
