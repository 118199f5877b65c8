import type { Trace } from "../observability/trace.js";
import { continuationBody } from "../router/continuation.js";
import type { PublicModel, Routing } from "../router/index.js";
import { resumableEvents } from "../router/resume.js";
import type { Principal } from "../store/types.js";
import type { UpstreamFetch } from "../upstream/transport.js";
import type { RequestBody } from "../upstream/types.js";
import type { ParsedChatRequest } from "./chat-request.js";
import { type Connection, connect } from "./connect.js";
import type { EventSource } from "./events.js";
import { type StreamEnd, upstreamEvents } from "./upstream-events.js";

export interface AnswerOptions {
  routing: Routing;
  fetch: UpstreamFetch;
  request: ParsedChatRequest;
  model: PublicModel;
  principal: Principal;
  trace: Trace;
  signal: AbortSignal;
  /** Called once, when the answer is over: its streams' usage added up, the last one's outcome. */
  onEnd(end: StreamEnd | null): void;
}

/**
 * The normalized events of the answer: the served upstream's stream; and, when one of the
 * model's other backends can continue an answer (`continuation`), a stream that breaks midway
 * is picked up there (router/resume.ts), so the client sees one answer.
 */
export function answerEvents(served: Connection, o: AnswerOptions): EventSource {
  const { trace, request } = o;
  const open = (connection: Connection, onEnd: (end: StreamEnd) => void) =>
    upstreamEvents(connection.conn, {
      backend: connection.candidate.upstream.name,
      reasoning: connection.candidate.upstream.reasoning,
      tools: request.hasTools,
      idleTimeoutMs: connection.candidate.upstream.idleTimeoutMs,
      maxStreamMs: connection.candidate.upstream.maxStreamMs,
      maxOutputChars: connection.candidate.upstream.maxOutputChars,
      promptTokens: request.promptTokens,
      onFirstToken: () => {
        trace.ttftMs ??= performance.now() - trace.startedAt;
      },
      onEnd: (end) => {
        connection.attemptEnded();
        onEnd(end);
      },
    });

  const first = served.candidate.upstream.name;
  const continuers = o.routing.router.continuers(o.model, o.principal).filter((b) => b !== first);
  if (continuers.length === 0) return open(served, o.onEnd);

  const ends: StreamEnd[] = [];
  const tried = new Set([first]);
  return resumableEvents(
    open(served, (end) => ends.push(end)),
    {
      maxResumes: 1,
      async resume(generated) {
        const next = await connect(
          o.routing,
          o.fetch,
          remainingBudget(request.body, generatedTokens(ends)),
          request.hasTools,
          o.model,
          o.principal,
          trace,
          o.signal,
          {
            accept: (c) => c.upstream.continuation !== "none" && !tried.has(c.backend),
            prepare: (body, c) =>
              c.upstream.continuation === "none"
                ? body
                : continuationBody(body, generated, c.upstream.continuation),
          },
        );
        tried.add(next.candidate.upstream.name);
        trace.backend = next.candidate.upstream.name;
        return open(next, (end) => ends.push(end));
      },
      onEnd: () => o.onEnd(combineEnds(ends)),
    },
  );
}

/** Completion tokens the broken streams generated (their usage, or its estimate). */
function generatedTokens(ends: StreamEnd[]): number {
  let n = 0;
  for (const end of ends) n += end.tokens.completionTokens;
  return n;
}

/**
 * A continuation may generate only what the request's output budget has left: the reservation
 * was made for one budget, however many backends write the answer.
 */
export function remainingBudget<B extends RequestBody>(body: B, used: number): B {
  // Before the adapter: the budget is still in `max_completion_tokens` (model-defaults.ts), and
  // each backend's adapter and renames carry it to the field that backend honours.
  const budget = body.max_completion_tokens;
  if (typeof budget !== "number") return body;
  return { ...body, max_completion_tokens: Math.max(1, budget - used) };
}

/** One answer from several streams: tokens add up; the last stream's outcome and error. */
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
