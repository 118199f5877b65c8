import type { Context } from "hono";
import type { Tenancy } from "../deps.js";
import type { GatewayEnv } from "../env.js";
import type { Lease } from "../limits/types.js";
import type { Trace } from "../observability/trace.js";
import type { UpstreamFetch } from "../upstream/transport.js";
import type { StreamEnd, TokenCounts } from "./upstream-events.js";

export interface SettleOptions {
  c: Context<GatewayEnv>;
  trace: Trace;
  model: string;
  lease: Lease | undefined;
  tenancy: Tenancy | undefined;
  now: () => number;
  waitUntil: ((p: Promise<unknown>) => void) | undefined;
  /** The request's prompt estimate: what each attempt that reached an upstream costs at least. */
  promptTokens: number;
  /** Attempts that reached an upstream so far (`meterAttempts`); none when absent. */
  attemptsSent?: () => number;
}

const noop = () => {};

/**
 * The upstream fetch, counting the attempts that reached an upstream: prompt processing is
 * never free, so each such attempt is charged at least its prompt, served or not. An attempt
 * reached the upstream when it answered with anything but a refusal (4xx, or 503: it did not
 * take the work), or was still waiting when it timed out or its client left (the upstream may
 * be prefilling the prompt). A connection that failed (nothing sent) costs nothing.
 */
export function meterAttempts(fetchFn: UpstreamFetch): {
  fetch: UpstreamFetch;
  sent: () => number;
} {
  let sent = 0;
  return {
    sent: () => sent,
    async fetch(url, init) {
      let response: Awaited<ReturnType<UpstreamFetch>>;
      try {
        response = await fetchFn(url, init);
      } catch (err) {
        if (init.signal.aborted) sent++;
        throw err;
      }
      const refused = response.status === 503 || (response.status >= 400 && response.status < 500);
      if (!refused) sent++;
      return response;
    },
  };
}

/**
 * What happens once a request is over (answered, failed, or abandoned by its client): the
 * trace gets the outcome and tokens, the limiter's lease is settled with what the request is
 * charged (`charged`: real usage, reasoning included, or estimates) and usage is recorded, both
 * after the response. `end` is null when no upstream served the request.
 */
export function settler(o: SettleOptions): (end: StreamEnd | null) => void {
  const waitUntil = o.waitUntil ?? executionWaitUntil(o.c);
  // Workers cancel a request whose client disconnects, and code still waiting on it (the
  // upstream call that rejects on the abort, then this settlement) never runs again unless the
  // request has work registered: the lease would stay taken until it expires. So the
  // settlement is registered now, while the request is alive, and resolved when it happens.
  let afterResponse = (p: Promise<unknown>) => waitUntil?.(p);
  if (waitUntil && (o.lease || o.tenancy)) {
    let settle: (p: Promise<unknown>) => void = noop;
    waitUntil(
      new Promise<unknown>((resolve) => {
        settle = resolve;
      }),
    );
    afterResponse = settle;
  }
  return (end) => {
    const { trace } = o;
    if (end) {
      trace.outcome = end.outcome;
      trace.errorCode = end.error?.code ?? null;
    }
    const tokens = charged(end, o);
    if (tokens) {
      trace.promptTokens = tokens.promptTokens;
      trace.completionTokens = tokens.completionTokens;
      trace.reasoningTokens = tokens.reasoningTokens;
      trace.usageEstimated = tokens.estimated;
    }
    // Nothing charged: the request never left the gateway, and the reservation goes back.
    const settled = o.lease
      ?.settle(tokens ?? { promptTokens: 0, completionTokens: 0, reasoningTokens: 0 })
      .catch(noop);
    const recorded = o.tenancy
      ?.recordUsage({
        requestId: trace.requestId,
        tenant: trace.tenant ?? "anonymous",
        keyId: trace.keyId ?? "anonymous",
        model: o.model,
        backend: trace.backend ?? null,
        promptTokens: tokens?.promptTokens ?? 0,
        completionTokens: tokens?.completionTokens ?? 0,
        reasoningTokens: tokens?.reasoningTokens ?? 0,
        estimated: tokens?.estimated ?? true,
        error: end?.outcome !== "done",
        at: o.now(),
      })
      .catch(noop);
    afterResponse(Promise.all([settled, recorded]));
  };
}

/**
 * What the request is charged: the served stream's tokens (the upstream's usage, or an
 * estimate), plus the prompt estimate for every other attempt that reached an upstream (failed
 * and retried, or left by the client before the first event). Undefined when nothing reached one.
 */
function charged(end: StreamEnd | null, o: SettleOptions): TokenCounts | undefined {
  const unserved = Math.max(0, (o.attemptsSent?.() ?? 0) - (end ? 1 : 0));
  if (unserved === 0) return end?.tokens;
  const base = end?.tokens ?? {
    promptTokens: 0,
    completionTokens: 0,
    reasoningTokens: 0,
    estimated: true,
  };
  return {
    ...base,
    promptTokens: base.promptTokens + unserved * o.promptTokens,
    estimated: true,
  };
}

/** Workers hand each request an execution context; work after the response belongs there. */
function executionWaitUntil(c: Context<GatewayEnv>): ((p: Promise<unknown>) => void) | undefined {
  try {
    const ctx = c.executionCtx;
    return (p) => ctx.waitUntil(p);
  } catch {
    return undefined; // Node: no execution context; the promises simply run
  }
}
