import type { Context } from "hono";
import type { Tenancy } from "../deps.js";
import type { GatewayEnv } from "../env.js";
import type { Lease } from "../limits/types.js";
import type { Trace } from "../observability/trace.js";
import type { StreamEnd } from "./upstream-events.js";

export interface SettleOptions {
  c: Context<GatewayEnv>;
  trace: Trace;
  model: string;
  lease: Lease | undefined;
  tenancy: Tenancy | undefined;
  now: () => number;
  waitUntil: ((p: Promise<unknown>) => void) | undefined;
}

const noop = () => {};
const nothingUsed = { promptTokens: 0, completionTokens: 0, reasoningTokens: 0 };

/**
 * What happens once a request is over (answered, failed, or abandoned by its client): the
 * trace gets the outcome and tokens, the limiter's lease is settled with the real usage
 * (reasoning included) and usage is recorded, both after the response.
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
    const tokens = end?.tokens;
    if (end) {
      trace.outcome = end.outcome;
      trace.errorCode = end.error?.code ?? null;
    }
    if (tokens) {
      trace.promptTokens = tokens.promptTokens;
      trace.completionTokens = tokens.completionTokens;
      trace.reasoningTokens = tokens.reasoningTokens;
      trace.usageEstimated = tokens.estimated;
    }
    // No end: no upstream ever answered, so nothing was generated and the reservation goes back.
    const settled = o.lease?.settle(tokens ?? nothingUsed).catch(noop);
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

/** Workers hand each request an execution context; work after the response belongs there. */
function executionWaitUntil(c: Context<GatewayEnv>): ((p: Promise<unknown>) => void) | undefined {
  try {
    const ctx = c.executionCtx;
    return (p) => ctx.waitUntil(p);
  } catch {
    return undefined; // Node: no execution context; the promises simply run
  }
}
