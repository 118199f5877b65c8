// Bytes of an upstream SSE response → normalized events: framing, JSON, normalizer, and the
// protocol around them ([DONE], `event: error`, malformed events, truncation).
import { Normalizer, type NormalizerOptions } from "./normalizer.js";
import { SSEFramer, type SSEMessage } from "./sse-decoder.js";
import type { StreamEvent } from "./types.js";
import { isObject, toErrorBody } from "./upstream-chunk.js";

export function normalizeSSE(
  options?: NormalizerOptions,
): TransformStream<Uint8Array, StreamEvent> {
  const normalizer = new Normalizer(options);
  let framer: SSEFramer;
  let emit: (events: StreamEvent[]) => void;

  const onMessage = (m: SSEMessage) => {
    if (normalizer.ended) return; // anything after [DONE] or an error is ignored
    emit(eventsOf(m, normalizer));
  };

  return new TransformStream<Uint8Array, StreamEvent>({
    start(controller) {
      emit = (events) => {
        for (const ev of events) controller.enqueue(ev);
      };
      framer = new SSEFramer(onMessage);
    },
    transform(bytes) {
      if (normalizer.ended) return;
      framer.feed(bytes);
      if (framer.error) emit(fail(normalizer, "event_too_large", framer.error.message));
    },
    flush() {
      if (normalizer.ended) return;
      framer.end();
      if (framer.error) emit(fail(normalizer, "event_too_large", framer.error.message));
      emit(normalizer.end());
    },
  });
}

function eventsOf(m: SSEMessage, normalizer: Normalizer): StreamEvent[] {
  const data = m.data;
  if (data === "[DONE]" || data.trim() === "[DONE]") return normalizer.done();
  if (m.event === "error") {
    const body = parseJson(data);
    const e = isObject(body) && isObject(body.error) ? body.error : isObject(body) ? body : null;
    const { error, status } = toErrorBody(e ?? { message: data || undefined });
    return fail(normalizer, error.code, error.message, error.type, status);
  }
  if (data.trim() === "") return []; // a keep-alive `data:` with nothing in it
  const chunk = parseJson(data);
  if (chunk === undefined) {
    return fail(
      normalizer,
      "invalid_upstream_event",
      "The upstream sent an event that is not JSON.",
    );
  }
  return normalizer.push(chunk);
}

/** Ends the stream with an error event, after flushing text the normalizer still held. */
function fail(
  normalizer: Normalizer,
  code: string | null,
  message: string,
  type = "upstream_error",
  status = 502,
): StreamEvent[] {
  return normalizer.push({ error: { message, type, param: null, code, status } });
}

function parseJson(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}
