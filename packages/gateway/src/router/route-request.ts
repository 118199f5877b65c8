import type { Principal } from "../store/types.js";
import type { Connected } from "../upstream/call.js";
import { noTargets } from "../upstream/error-map.js";
import { upstreamBody } from "../upstream/request-body.js";
import { enforceRequestPolicy } from "../upstream/request-policy.js";
import type { UpstreamFetch } from "../upstream/transport.js";
import type { RequestBody } from "../upstream/types.js";
import type { AttemptRecord } from "./attempt-log.js";
import { failover, type Served } from "./failover.js";
import type { Routing } from "./routing.js";
import { sleep } from "./sleep.js";
import type { RoutedCandidate } from "./strategy-router.js";
import type { PublicModel } from "./types.js";
import { attemptUpstream } from "./upstream-attempt.js";

export interface RouteInput {
  fetch: UpstreamFetch;
  /** The client's request, model defaults applied. */
  body: RequestBody;
  /** The request offered tools (Hermes tool-call text is then extracted). */
  tools: boolean;
  model: PublicModel;
  principal: Principal;
  requestId: string;
  signal: AbortSignal;
  onAttempt(record: AttemptRecord): void;
  /** Only these candidates (a continuation: backends that can continue, not the one that broke). */
  accept?(candidate: RoutedCandidate): boolean;
  /** A last change to what one candidate is sent, after every adapter step. */
  prepare?(body: RequestBody, candidate: RoutedCandidate): RequestBody;
}

/**
 * Finds a backend for one request: the strategy's order, the caller's placement, then the
 * failover until one backend has sent its first event. The caller owns the returned slot and
 * releases it when the response ends.
 */
export async function routeRequest(
  routing: Routing,
  input: RouteInput,
): Promise<Served<RoutedCandidate, Connected>> {
  const { model, body } = input;
  const planned = routing.router.plan(model, input.principal);
  const candidates = input.accept ? planned.filter(input.accept) : planned;
  if (candidates.length === 0) throw noTargets(model.name);
  return failover({
    candidates,
    breakers: routing.breakers,
    inFlight: routing.inFlight,
    retry: routing.retry,
    now: routing.now,
    random: routing.random,
    sleep: (ms) => sleep(ms, input.signal),
    onAttempt: input.onAttempt,
    attempt(candidate, timeoutMs) {
      const upstream = candidate.upstream;
      // What the client may ask of this backend (a 400 otherwise); the gateway's own
      // requests (health probes, continuations' additions) are not the client's to refuse.
      enforceRequestPolicy(body, upstream.policy);
      const adapted = upstreamBody(body, upstream, {
        model: candidate.model,
        historyReasoning: model.config.historyReasoning ?? upstream.historyReasoning,
      });
      const upstreamRequest = input.prepare ? input.prepare(adapted, candidate) : adapted;
      return attemptUpstream({
        fetch: input.fetch,
        upstream,
        headers: { ...upstream.headers, "x-request-id": input.requestId },
        body: JSON.stringify(upstreamRequest),
        tools: input.tools,
        timeoutMs,
        clientSignal: input.signal,
      });
    },
  });
}
