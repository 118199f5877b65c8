import type { Connected } from "../upstream/call.js";
import { callUpstream } from "../upstream/call.js";
import type { UpstreamFailure } from "../upstream/error-map.js";
import { retryAfterMs } from "../upstream/retry-after.js";
import type { UpstreamFetch } from "../upstream/transport.js";
import type { Upstream } from "../upstream/types.js";
import type { AttemptOutcome } from "./failover.js";
import { holdFirstEvent } from "./first-event.js";

export interface UpstreamAttempt {
  fetch: UpstreamFetch;
  upstream: Upstream;
  headers: Record<string, string>;
  body: string;
  tools: boolean;
  /** What is left of the request's budget, ms: caps this backend's first-byte timeout. */
  timeoutMs: number;
  clientSignal: AbortSignal;
}

/**
 * One attempt at one backend: connect, then hold until the first event, all within the
 * backend's first-byte timeout (or the budget's remainder, if shorter).
 */
export async function attemptUpstream(a: UpstreamAttempt): Promise<AttemptOutcome<Connected>> {
  const limit = Math.min(a.upstream.firstByteTimeoutMs, Math.max(1, Math.floor(a.timeoutMs)));
  const upstream =
    limit === a.upstream.firstByteTimeoutMs
      ? a.upstream
      : { ...a.upstream, firstByteTimeoutMs: limit };
  const started = performance.now();
  const called = await callUpstream(a.fetch, upstream, a.headers, a.body, a.clientSignal);
  if (!called.ok) return failed(called);
  const held = await holdFirstEvent(called, {
    backend: upstream.name,
    reasoning: upstream.reasoning,
    tools: a.tools,
    timeoutMs: limit - (performance.now() - started),
    firstByteTimeoutMs: limit,
    clientSignal: a.clientSignal,
  });
  if (held.ok) return { ok: true, value: held.conn };
  return failed(held);
}

function failed(f: UpstreamFailure): AttemptOutcome<Connected> {
  const header = f.error.status === 429 ? f.error.headers?.["retry-after"] : undefined;
  const outcome: AttemptOutcome<Connected> = {
    ok: false,
    error: f.error,
    retryable: f.retryable,
    retryAfterMs: retryAfterMs(header, Date.now()),
  };
  if (f.detail !== undefined) outcome.detail = f.detail;
  if (f.ambiguous) outcome.ambiguous = true;
  return outcome;
}
