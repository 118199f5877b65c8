import { Aggregator } from "@thinkgate/core";
import type { Context } from "hono";
import type { Tenancy } from "../deps.js";
import type { GatewayEnv } from "../env.js";
import { ApiError, errors } from "../errors/api-error.js";
import { clientSignal, streamDirect } from "../http/client.js";
import type { Lease } from "../limits/types.js";
import type { Trace } from "../observability/trace.js";
import { answerEvents } from "../pipeline/answer-events.js";
import { parseChatRequest } from "../pipeline/chat-request.js";
import { type Connection, connect } from "../pipeline/connect.js";
import type { EventSource } from "../pipeline/events.js";
import { readJson } from "../pipeline/read-json.js";
import { meterAttempts, settler } from "../pipeline/settle.js";
import { sseBody } from "../pipeline/sse-body.js";
import type { PublicModel, Routing } from "../router/index.js";
import { withModelDefaults } from "../router/model-defaults.js";
import { clientGone } from "../upstream/call.js";
import type { UpstreamFetch } from "../upstream/transport.js";

export interface ChatCompletionsDeps {
  maxBodyBytes: number;
  models: Map<string, PublicModel>;
  routing: Routing;
  fetch: UpstreamFetch;
  now: () => number;
  tenancy: Tenancy | undefined;
  waitUntil: ((p: Promise<unknown>) => void) | undefined;
}

const sseHeaders = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  "x-accel-buffering": "no",
} as const;
const noop = () => {};

/**
 * POST /v1/chat/completions: validate → (authenticated already) → allow → limit → route →
 * upstream → normalize → render. The upstream is always streamed; a non-streaming client gets
 * the aggregated events.
 */
export function chatCompletions(deps: ChatCompletionsDeps) {
  return async (c: Context<GatewayEnv>): Promise<Response> => {
    const trace = c.get("trace");
    const principal = c.get("principal");
    const signal = clientSignal(c);
    const { json } = await readJson(c, deps.maxBodyBytes);
    const parsed = parseChatRequest(json);
    const model = deps.models.get(parsed.body.model);
    if (!model) throw errors.modelNotFound(parsed.body.model);
    trace.model = model.name;
    if (principal.models && !principal.models.includes(model.name))
      throw errors.modelNotAllowed(model.name);
    // The output budget fits the model and what the key's tpm can ever reserve.
    const tpm = deps.tenancy ? principal.limits?.tpm : undefined;
    const request = withModelDefaults(parsed, model.config, tpm);

    let lease: Lease | undefined;
    if (deps.tenancy) {
      const admitted = await deps.tenancy.limiter.admit({
        principal,
        estimatedTokens: request.estimatedTokens,
        requestId: trace.requestId,
      });
      if (!admitted.ok)
        throw errors.rateLimited(admitted.message, admitted.retryAfterSeconds, admitted.headers);
      lease = admitted.lease;
    }

    const attempts = meterAttempts(deps.fetch);
    const finish = settler({
      c,
      trace,
      model: model.name,
      lease,
      tenancy: deps.tenancy,
      now: deps.now,
      waitUntil: deps.waitUntil,
      promptTokens: request.promptTokens,
      attemptsSent: attempts.sent,
    });
    let connection: Connection;
    try {
      connection = await connect(
        deps.routing,
        attempts.fetch,
        request.body,
        request.hasTools,
        model,
        principal,
        trace,
        signal,
      );
    } catch (err) {
      finish(null);
      throw err;
    }
    const { candidate } = connection;
    trace.backend = candidate.upstream.name;

    let resolveFinished = noop;
    trace.finished = new Promise<void>((resolve) => {
      resolveFinished = resolve;
    });
    const events = answerEvents(connection, {
      routing: deps.routing,
      fetch: deps.fetch,
      request,
      model,
      principal,
      trace,
      signal,
      onEnd: (end) => {
        finish(end);
        resolveFinished();
      },
    });

    const headers: Record<string, string> = { "x-thinkgate-backend": candidate.upstream.name };
    if (lease) Object.assign(headers, lease.headers);
    const render = {
      format: request.format,
      includeUsage: request.includeUsage,
      model: model.name,
    };

    if (request.stream) {
      headers["server-timing"] = serverTiming(trace);
      const responseHeaders = { ...sseHeaders, ...headers };
      // On Node the server writes the events itself once the headers are final; elsewhere a
      // streamed body. The client's signal ends the stream either way.
      if (streamDirect(c, events, render, signal)) {
        return new Response(null, { status: 200, headers: responseHeaders });
      }
      return new Response(sseBody(events, render, signal), {
        status: 200,
        headers: responseHeaders,
      });
    }
    const aggregating = performance.now();
    const result = await aggregate(events, new Aggregator(render));
    // Non-streaming: the upstream's time is the whole of its stream, not just its first bytes.
    headers["server-timing"] = serverTiming(trace, performance.now() - aggregating);
    // The client left mid-answer: the upstream was cut on its behalf, not lost.
    if (!result.ok && signal.aborted) throw clientGone();
    if (!result.ok) {
      if (result.retryAfter !== undefined) headers["retry-after"] = String(result.retryAfter);
      throw new ApiError(result.status ?? 502, result.error, headers);
    }
    return c.json(result.completion, 200, headers);
  };
}

async function aggregate(events: EventSource, aggregator: Aggregator) {
  for (;;) {
    const batch = await events.next();
    if (batch === null) break;
    for (const ev of batch) aggregator.push(ev);
  }
  return aggregator.result();
}

/** The gateway's own time and the upstream's time to first bytes, as Server-Timing. */
function serverTiming(trace: Trace, upstreamStreamingMs = 0): string {
  const total = performance.now() - trace.startedAt;
  const upstream = (trace.upstreamMs ?? 0) + upstreamStreamingMs;
  return `gateway;dur=${Math.max(0, total - upstream).toFixed(2)}, upstream;dur=${upstream.toFixed(2)}`;
}
