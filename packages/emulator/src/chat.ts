import type { ServerResponse } from "node:http";
import { type Answer, buildAnswer } from "./answer.js";
import { cutConnection } from "./cut.js";
import type { Dialect, Identity } from "./dialects/types.js";
import { sendJson } from "./json-response.js";
import { waitUntil } from "./pacing.js";
import { readDirective } from "./spec.js";
import { writeSSE } from "./sse.js";
import { streamSteps } from "./steps.js";
import type { EmulatorOptions } from "./types.js";

/** POST {prefix}/chat/completions: the directive in the last user message decides the answer. */
export async function respondChat(
  res: ServerResponse,
  dialect: Dialect,
  body: unknown,
  options: EmulatorOptions,
  closed: AbortSignal, // aborts when the response closed, whoever closed it
): Promise<void> {
  if (closed.aborted) return;
  const directive = readDirective(body);
  if (!directive.ok) return sendJson(res, 400, dialect.error(400, directive.message));
  const spec = directive.spec;
  const firstByteDelayMs = delay(spec.firstByteDelayMs ?? options.firstByteDelayMs);
  const chunkDelayMs = delay(spec.chunkDelayMs ?? options.chunkDelayMs);
  const started = performance.now();

  if (spec.hang === "headers") return; // the connection stays open until the client gives up
  if (spec.status !== undefined) {
    if (!(await waitUntil(started + firstByteDelayMs, closed))) return;
    const headers: Record<string, string> =
      spec.retryAfter !== undefined ? { "retry-after": String(spec.retryAfter) } : {};
    return sendJson(res, Number(spec.status), dialect.error(Number(spec.status)), headers);
  }

  const request = body as {
    model?: unknown;
    messages?: unknown;
    stream?: unknown;
    stream_options?: unknown;
  };
  if (typeof request !== "object" || request === null || !Array.isArray(request.messages)) {
    return sendJson(
      res,
      400,
      dialect.error(400, "messages: field required (a list of chat messages)"),
    );
  }
  const model =
    typeof request.model === "string" && request.model !== ""
      ? request.model
      : dialect.defaultModel;
  const stream = request.stream === true;
  const refusal = dialect.refuse(model, request as Record<string, unknown>);
  if (refusal) return sendJson(res, refusal.status, refusal.body);

  const answer = buildAnswer(spec, body, dialect.toolCallId());
  const who: Identity = { id: dialect.newId(), created: Math.floor(Date.now() / 1000), model };

  if (!stream) {
    const pieces = answer.reasoningPieces.length + answer.contentPieces.length;
    if (!(await waitUntil(started + firstByteDelayMs + chunkDelayMs * pieces, closed))) return;
    if (typeof spec.hang === "number") return;
    if (spec.cut !== undefined) return cutConnection(res);
    if (spec.errorEvent !== undefined)
      return sendJson(res, dialect.streamErrorStatus, dialect.streamError());
    return sendJson(res, 200, dialect.completion(answer, who));
  }

  const includeUsage =
    (request.stream_options as { include_usage?: unknown } | null)?.include_usage === true;
  res.writeHead(200, { "content-type": dialect.sseContentType });
  res.flushHeaders();
  await writeSSE(
    res,
    {
      events: eventTexts(dialect, answer, who, includeUsage),
      errorEvent: JSON.stringify(dialect.streamError()),
      hangAt: typeof spec.hang === "number" ? spec.hang : undefined,
      cutAt: spec.cut,
      errorAt: spec.errorEvent,
      keepAlive: spec.keepAlive === true,
      crlf: spec.crlf === true,
      splitUtf8: spec.splitUtf8 ?? options.splitUtf8 ?? true,
      heartbeatMs: spec.keepAliveEveryMs,
      firstByteDelayMs,
      chunkDelayMs,
    },
    closed,
  );
}

function* eventTexts(
  dialect: Dialect,
  answer: Answer,
  who: Identity,
  includeUsage: boolean,
): Generator<string> {
  for (const step of streamSteps(answer, dialect.style, includeUsage)) {
    const chunk = dialect.chunk(step, answer, who);
    if (chunk !== null) yield JSON.stringify(chunk);
  }
}

const delay = (ms: unknown): number =>
  typeof ms === "number" && Number.isFinite(ms) && ms > 0 ? ms : 0;
