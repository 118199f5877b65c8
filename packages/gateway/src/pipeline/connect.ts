import type { ApiError } from "../errors/api-error.js";
import type { Trace } from "../observability/trace.js";
import type { Candidate, PublicModel, Router } from "../router/index.js";
import type { Principal } from "../store/types.js";
import { type Connected, callUpstream } from "../upstream/call.js";
import { noTargets } from "../upstream/error-map.js";
import { upstreamBody } from "../upstream/request-body.js";
import type { RequestBody } from "../upstream/types.js";

export interface Connection {
  conn: Connected;
  candidate: Candidate;
  /** Tells the router how the attempt went, once the stream is over. */
  attemptEnded: ((outcome: "ok" | "failed") => void) | undefined;
}

/**
 * Tries the router's candidates in order until one sends its first bytes. A candidate that
 * fails before that (connect error, timeout, 429, 5xx) passes the request on; one that rejects
 * the request itself (400) ends it: the next would reject it too.
 */
export async function connect(
  router: Router,
  fetchFn: typeof fetch,
  body: RequestBody,
  model: PublicModel,
  principal: Principal,
  trace: Trace,
  signal: AbortSignal,
): Promise<Connection> {
  const candidates = router.plan(model, principal);
  if (candidates.length === 0) throw noTargets(model.name);
  let lastError: ApiError | undefined;
  for (const candidate of candidates) {
    trace.attempts++;
    const upstream = candidate.upstream;
    const sent = upstreamBody(body, upstream, {
      model: candidate.model,
      historyReasoning: model.config.historyReasoning ?? upstream.historyReasoning,
    });
    const headers = { ...upstream.headers, "x-request-id": trace.requestId };
    const attemptEnded = router.begin?.(candidate);
    const started = performance.now();
    let result: Awaited<ReturnType<typeof callUpstream>>;
    try {
      result = await callUpstream(fetchFn, upstream, headers, JSON.stringify(sent), signal);
    } catch (err) {
      attemptEnded?.("failed");
      throw err;
    } finally {
      // Every attempt's wait counts as upstream time, not the gateway's.
      trace.upstreamMs = (trace.upstreamMs ?? 0) + performance.now() - started;
    }
    if (result.ok) return { conn: result, candidate, attemptEnded };
    attemptEnded?.("failed");
    trace.backend = upstream.name;
    lastError = result.error;
    if (!result.retryable) break;
  }
  throw lastError ?? noTargets(model.name);
}
