import { setMaxListeners } from "node:events";
import { exchange } from "./exchange.js";
import type { CloseStreamsResult, OpenStreamsJob, OpenStreamsResult } from "./jobs.js";
import { poolFor } from "./pool.js";

// Streams held open between the open-streams and close-streams jobs (memory measurement).
let held: {
  stop: AbortController;
  closed: Promise<unknown>;
  pool: ReturnType<typeof poolFor>;
} | null = null;

/**
 * Opens streams in batches; a stream counts as open once its first token arrived (the gateway
 * has then set up everything it keeps per stream). The upstream holds them open (hang).
 */
export async function openStreams(job: OpenStreamsJob): Promise<OpenStreamsResult> {
  if (held) await closeStreams();
  // No body timeout: these streams are silent on purpose until we close them.
  const pool = poolFor(job.target.origin, job.count, 0);
  const stop = new AbortController();
  setMaxListeners(0, stop.signal); // one signal ends every stream of the job
  const result: OpenStreamsResult = { opened: 0, errors: 0 };
  const all: Promise<unknown>[] = [];
  for (let done = 0; done < job.count; done += job.batch) {
    const size = Math.min(job.batch, job.count - done);
    const firstTokens = Array.from({ length: size }, () => {
      let ready!: (ok: boolean) => void;
      const first = new Promise<boolean>((resolve) => {
        ready = resolve;
      });
      const x = exchange(pool, job.target, job.body, {
        signal: stop.signal,
        onFirstToken: () => ready(true),
      }).then((outcome) => {
        if (outcome.error) {
          result.errors++;
          result.firstError ??= outcome.error;
        }
        ready(false); // ended before (or without) a first token: not open
      });
      all.push(x);
      return first;
    });
    let openedNow = 0;
    for (const ok of await Promise.all(firstTokens)) if (ok) openedNow++;
    result.opened += openedNow;
    if (openedNow === 0) break; // this contender cannot hold streams: more batches would not either
  }
  held = { stop, closed: Promise.all(all), pool };
  return result;
}

export async function closeStreams(): Promise<CloseStreamsResult> {
  if (!held) return { closed: 0 };
  const { stop, closed, pool } = held;
  held = null;
  stop.abort();
  const settled = (await closed) as unknown[];
  await pool.destroy();
  return { closed: settled.length };
}
