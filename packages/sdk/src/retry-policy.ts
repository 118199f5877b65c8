import { parseRetryAfter } from "./errors.js";

const initialDelayMs = 500;
const maxBackoffMs = 8_000;
/** A server asking for longer than this gets our own backoff instead of stalling the caller. */
const maxRetryAfterMs = 60_000;

/** Statuses worth another try: timeouts, conflicts, rate limits, server trouble. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * How long to wait before retry number `retry` (0 = the first retry): the server's
 * `Retry-After` when it gave a sane one, else exponential backoff with full jitter, so that many
 * clients rejected together do not come back together.
 */
export function retryDelayMs(
  retry: number,
  headers?: Headers,
  random: () => number = Math.random,
  now = Date.now(),
): number {
  const afterMs = headers?.get("retry-after-ms");
  if (afterMs && Number.isFinite(Number(afterMs)) && Number(afterMs) >= 0) {
    const ms = Number(afterMs);
    if (ms <= maxRetryAfterMs) return ms;
  }
  const after = parseRetryAfter(headers?.get("retry-after") ?? null, now);
  if (after !== undefined && after * 1000 <= maxRetryAfterMs) return after * 1000;
  return random() * Math.min(maxBackoffMs, initialDelayMs * 2 ** retry);
}

/** Waits, unless the caller aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const done = () => {
      signal.removeEventListener("abort", cancel);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const cancel = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", cancel, { once: true });
  });
}
