import { Aggregator, renderSSE, type StreamEvent } from "@thinkgate/core";
import type { Context } from "hono";
import type { Tenancy } from "../deps.js";
import type { GatewayEnv } from "../env.js";
import { ApiError, errors } from "../errors/api-error.js";
import type { Lease } from "../limits/types.js";
import type { Trace } from "../observability/trace.js";
import { parseChatRequest } from "../pipeline/chat-request.js";
import { type Connection, connect } from "../pipeline/connect.js";
import { readJson } from "../pipeline/read-json.js";
import { settler } from "../pipeline/settle.js";
import { type StreamEnd, upstreamEvents } from "../pipeline/upstream-events.js";
import { continuationBody } from "../router/continuation.js";
import type { PublicModel, Routing } from "../router/index.js";
import { withModelDefaults } from "../router/model-defaults.js";
import { resumableEvents } from "../router/resume.js";

export interface ChatCompletionsDeps {
  models: Map<string, PublicModel>;
  routing: Routing;
  fetch: typeof fetch;
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
    const { json, length } = await readJson(c);
    const parsed = parseChatRequest(json, length);
    const model = deps.models.get(parsed.body.model);
    if (!model) throw errors.modelNotFound(parsed.body.model);
    const request = withModelDefaults(parsed, model.config);
    trace.model = model.name;
    if (principal.models && !principal.models.includes(model.name))
      throw errors.modelNotAllowed(model.name);

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

    const finish = settler({
      c,
      trace,
      model: model.name,
      lease,
      tenancy: deps.tenancy,
      now: deps.now,
      waitUntil: deps.waitUntil,
    });
    let connection: Connection;
    try {
      connection = await connect(
        deps.routing,
        deps.fetch,
        request.body,
        request.hasTools,
        model,
        principal,
        trace,
        c.req.raw.signal,
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
    const open = (served: Connection, onEnd: (end: StreamEnd) => void) =>
      upstreamEvents(served.conn, {
        backend: served.candidate.upstream.name,
        reasoning: served.candidate.upstream.reasoning,
        tools: request.hasTools,
        idleTimeoutMs: served.candidate.upstream.idleTimeoutMs,
        promptTokens: request.promptTokens,
        onFirstToken: () => {
          trace.ttftMs ??= performance.now() - trace.startedAt;
        },
        onEnd: (end) => {
          served.attemptEnded();
          onEnd(end);
        },
      });

    const continuers = deps.routing.router
      .continuers(model, principal)
      .filter((name) => name !== candidate.upstream.name);
    let events: ReadableStream<StreamEvent>;
    if (continuers.length === 0) {
      events = open(connection, (end) => {
        finish(end);
        resolveFinished();
      });
    } else {
      // A stream that breaks mid-answer may be continued by a backend that can (see
      // router/resume.ts); the request settles once, when the last stream is over.
      const ends: StreamEnd[] = [];
      const tried = new Set([candidate.upstream.name]);
      events = resumableEvents(
        open(connection, (end) => ends.push(end)),
        {
          maxResumes: 1,
          async resume(generated) {
            const next = await connect(
              deps.routing,
              deps.fetch,
              request.body,
              request.hasTools,
              model,
              principal,
              trace,
              c.req.raw.signal,
              {
                accept: (cand) => cand.upstream.continuation !== "none" && !tried.has(cand.backend),
                prepare: (body, cand) =>
                  cand.upstream.continuation === "none"
                    ? body
                    : continuationBody(body, generated, cand.upstream.continuation),
              },
            );
            tried.add(next.candidate.upstream.name);
            trace.backend = next.candidate.upstream.name;
            return open(next, (end) => ends.push(end));
          },
          onEnd: () => {
            finish(combineEnds(ends));
            resolveFinished();
          },
        },
      );
    }

    const headers: Record<string, string> = { "x-thinkgate-backend": candidate.upstream.name };
    if (lease) Object.assign(headers, lease.headers);
    const render = {
      format: request.format,
      includeUsage: request.includeUsage,
      model: model.name,
    };

    if (request.stream) {
      headers["server-timing"] = serverTiming(trace);
      return new Response(events.pipeThrough(renderSSE(render)), {
        status: 200,
        headers: { ...sseHeaders, ...headers },
      });
    }
    const aggregating = performance.now();
    const result = await aggregate(events, new Aggregator(render));
    // Non-streaming: the upstream's time is the whole of its stream, not just its first bytes.
    headers["server-timing"] = serverTiming(trace, performance.now() - aggregating);
    if (!result.ok) throw new ApiError(result.status ?? 502, result.error, headers);
    return c.json(result.completion, 200, headers);
  };
}

/** One answer from several streams (a continuation): tokens add up; the last one's outcome. */
function combineEnds(ends: StreamEnd[]): StreamEnd | null {
  const last = ends.at(-1);
  if (!last) return null;
  const tokens = { promptTokens: 0, completionTokens: 0, reasoningTokens: 0, estimated: false };
  for (const end of ends) {
    tokens.promptTokens += end.tokens.promptTokens;
    tokens.completionTokens += end.tokens.completionTokens;
    tokens.reasoningTokens += end.tokens.reasoningTokens;
    tokens.estimated ||= end.tokens.estimated;
  }
  return { ...last, tokens };
}

async function aggregate(events: ReadableStream<StreamEvent>, aggregator: Aggregator) {
  const reader = events.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    aggregator.push(value);
  }
  return aggregator.result();
}

/** The gateway's own time and the upstream's time to first bytes, as Server-Timing. */
function serverTiming(trace: Trace, upstreamStreamingMs = 0): string {
  const total = performance.now() - trace.startedAt;
  const upstream = (trace.upstreamMs ?? 0) + upstreamStreamingMs;
  return `gateway;dur=${Math.max(0, total - upstream).toFixed(2)}, upstream;dur=${upstream.toFixed(2)}`;
}
