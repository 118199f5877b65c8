import type { Store, UsageDelta } from "../store/types.js";
import { storeCall } from "../store/unavailable.js";
import { utcDay } from "../store/usage-counts.js";

// Writes usage after each request. When the store is down the counts wait in memory, merged per
// tenant, key and day (so the buffer grows with keys, not with requests), and go out with the
// next write or the next retry once the store answers again. Only if more distinct
// tenant/key/day entries pile up than maxBuffered are the oldest dropped, and that is logged as
// an error with the counts lost: nothing is lost silently. A batch already sent is resent as it
// was, under its id, so a write that landed but whose answer was lost is never counted twice.

/** The usage of one finished request (the pipeline's UsageEvent). */
export interface UsageEvent {
  requestId: string;
  tenant: string;
  keyId: string;
  model: string;
  backend: string | null;
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  estimated: boolean;
  error: boolean;
  /** Epoch ms. */
  at: number;
}

export interface UsageRecorderOptions {
  store: Store;
  maxBuffered?: number;
  /** While usage is buffered, try again this often. Default 5 s. */
  retryMs?: number;
  storeTimeoutMs?: number;
  log?: (line: Record<string, unknown>) => void;
}

export interface UsageRecorder {
  record(ev: UsageEvent): Promise<void>;
  /** Writes what is buffered; resolves when written or when the store refused again. */
  flush(): Promise<void>;
  /** Tenant/key/day entries waiting for the store. */
  pending(): number;
  close(): void;
}

const BATCH = 200;

export function createUsageRecorder(options: UsageRecorderOptions): UsageRecorder {
  const maxBuffered = options.maxBuffered ?? 10_000;
  const retryMs = options.retryMs ?? 5000;
  const log = options.log ?? (() => {});
  const queue = new Map<string, UsageDelta>();
  let flushing: Promise<void> | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  function enqueue(delta: UsageDelta): void {
    const id = `${delta.tenant}\u0000${delta.keyId}\u0000${delta.day}`;
    const existing = queue.get(id);
    if (existing) {
      existing.requests += delta.requests;
      existing.promptTokens += delta.promptTokens;
      existing.completionTokens += delta.completionTokens;
      existing.reasoningTokens += delta.reasoningTokens;
      existing.errors += delta.errors;
      return;
    }
    queue.set(id, delta);
    while (queue.size > maxBuffered) {
      const [oldest, lost] = queue.entries().next().value as [string, UsageDelta];
      queue.delete(oldest);
      log({
        level: "error",
        msg: "usage buffer full: dropped usage that the store never took",
        ...lost,
      });
    }
  }

  function scheduleRetry(): void {
    if (closed || retryTimer || pendingCount() === 0) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void flush();
    }, retryMs);
    // Node: a pending retry must not keep the process alive.
    (retryTimer as { unref?: () => void }).unref?.();
  }

  // The batch sent last and not confirmed. It is resent as it is, under the same id, so a batch
  // whose write succeeded but whose answer was lost (a timeout) is counted once.
  let inFlight: { id: string; deltas: UsageDelta[] } | null = null;

  async function drain(): Promise<void> {
    for (;;) {
      if (!inFlight) {
        if (queue.size === 0) return;
        const ids = [...queue.keys()].slice(0, BATCH);
        inFlight = { id: crypto.randomUUID(), deltas: ids.map((id) => queue.get(id)!) };
        for (const id of ids) queue.delete(id);
      }
      const batch = inFlight;
      try {
        await storeCall("recordUsage", options.storeTimeoutMs ?? 2000, () =>
          options.store.addUsage(batch.deltas, batch.id),
        );
        inFlight = null;
      } catch (error) {
        log({
          level: "warn",
          msg: "store unavailable: usage kept in memory until it is back",
          pending: pendingCount(),
          error: String(error),
        });
        scheduleRetry();
        return;
      }
    }
  }

  function pendingCount(): number {
    return queue.size + (inFlight?.deltas.length ?? 0);
  }

  function flush(): Promise<void> {
    if (!flushing) {
      flushing = drain().finally(() => {
        flushing = null;
      });
    }
    return flushing;
  }

  return {
    async record(ev) {
      enqueue({
        tenant: ev.tenant,
        keyId: ev.keyId,
        day: utcDay(ev.at),
        requests: 1,
        promptTokens: ev.promptTokens,
        completionTokens: ev.completionTokens,
        reasoningTokens: ev.reasoningTokens,
        errors: ev.error ? 1 : 0,
      });
      // A flush already running picks this entry up before it finishes; wait for it, then make
      // sure (a second pass) in case it had already taken its last batch.
      await flush();
      if (pendingCount() > 0 && !retryTimer) await flush();
    },
    flush,
    pending: pendingCount,
    close() {
      closed = true;
      clearTimeout(retryTimer);
      retryTimer = undefined;
    },
  };
}
