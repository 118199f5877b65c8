import type { Trace } from "../observability/trace.js";
import type { Candidate, PublicModel, Routing } from "../router/index.js";
import { type RouteInput, routeRequest } from "../router/route-request.js";
import type { Principal } from "../store/types.js";
import type { Connected } from "../upstream/call.js";
import type { UpstreamFetch } from "../upstream/transport.js";
import type { RequestBody } from "../upstream/types.js";

export interface Connection {
  conn: Connected;
  candidate: Candidate;
  /** The response is over: gives back the backend's in-flight slot. */
  attemptEnded: () => void;
}

/**
 * Routes the request (strategy, placement, failover) until one backend has sent its first
 * event. Every attempt goes into the trace, so the log line shows what was tried; the last
 * backend tried is the trace's backend even when all failed.
 */
export async function connect(
  routing: Routing,
  fetchFn: UpstreamFetch,
  body: RequestBody,
  tools: boolean,
  model: PublicModel,
  principal: Principal,
  trace: Trace,
  signal: AbortSignal,
  only: Pick<RouteInput, "accept" | "prepare"> = {},
): Promise<Connection> {
  const started = performance.now();
  try {
    const served = await routeRequest(routing, {
      fetch: fetchFn,
      body,
      tools,
      model,
      principal,
      requestId: trace.requestId,
      signal,
      ...only,
      onAttempt(record) {
        trace.attemptLog.push(record);
        if (record.outcome === "skipped") return;
        trace.attempts++;
        trace.backend = record.backend;
      },
    });
    return {
      conn: served.value,
      candidate: served.candidate,
      attemptEnded: () => served.slot.release(),
    };
  } finally {
    // Every attempt's wait (and any backoff between them) counts as upstream time.
    trace.upstreamMs = (trace.upstreamMs ?? 0) + performance.now() - started;
  }
}
