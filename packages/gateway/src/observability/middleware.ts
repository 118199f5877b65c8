import type { MiddlewareHandler } from "hono";
import type { GatewayEnv } from "../env.js";
import { doorOf, type GatewayMetrics } from "./gateway-metrics.js";
import { clientRequestIdFrom, newRequestId } from "./request-id.js";
import type { Trace } from "./trace.js";

/**
 * First in the chain: gives the request its id and trace, stamps x-request-id (and, when the
 * request went upstream, x-thinkgate-attempts) on whatever response comes back, and writes the
 * one log line (and, for the doors, its metrics) once the response (body included) is done.
 */
export function observe(
  log: ((line: Record<string, unknown>) => void) | undefined,
  metrics?: GatewayMetrics,
): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const door = metrics ? doorOf(c.req.method, c.req.path) : undefined;
    if (door) metrics?.requestStarted(door);
    const trace: Trace = {
      requestId: newRequestId(),
      startedAt: performance.now(),
      attempts: 0,
      attemptLog: [],
    };
    const clientRequestId = clientRequestIdFrom(c.req.header("x-request-id"));
    if (clientRequestId !== undefined) trace.clientRequestId = clientRequestId;
    c.set("trace", trace);
    await next();
    c.res.headers.set("x-request-id", trace.requestId);
    // Upstream failures too say which backend answered last: the first thing an operator asks.
    if (trace.backend && !c.res.headers.has("x-thinkgate-backend")) {
      c.res.headers.set("x-thinkgate-backend", trace.backend);
    }
    // Errors too: a 503 after three failed backends says so.
    if (trace.attempts > 0) c.res.headers.set("x-thinkgate-attempts", String(trace.attempts));
    if (!log && !door) return;
    const status = c.res.status;
    const streamed =
      trace.finished !== undefined &&
      (c.res.headers.get("content-type") ?? "").startsWith("text/event-stream");
    if (door && streamed) metrics?.streamOpened(door);
    const write = () => {
      if (door) metrics?.requestFinished(door, status, trace, streamed);
      log?.(logLine(c.req.method, c.req.path, status, trace));
    };
    if (trace.finished) trace.finished.then(write, write);
    else write();
  };
}

function logLine(method: string, path: string, status: number, t: Trace): Record<string, unknown> {
  return {
    msg: "request",
    requestId: t.requestId,
    clientRequestId: t.clientRequestId ?? null,
    method,
    path,
    status,
    tenant: t.tenant ?? null,
    keyId: t.keyId ?? null,
    model: t.model ?? null,
    backend: t.backend ?? null,
    attempts: t.attempts,
    attemptLog: t.attemptLog,
    outcome: t.outcome ?? null,
    errorCode: t.errorCode ?? null,
    upstreamMs: round(t.upstreamMs),
    ttftMs: round(t.ttftMs),
    durationMs: round(performance.now() - t.startedAt),
    promptTokens: t.promptTokens ?? null,
    completionTokens: t.completionTokens ?? null,
    reasoningTokens: t.reasoningTokens ?? null,
    usageEstimated: t.usageEstimated ?? null,
    ...(t.internalError ? { internalError: t.internalError } : {}),
  };
}

function round(ms: number | undefined): number | null {
  return ms === undefined ? null : Math.round(ms * 100) / 100;
}
