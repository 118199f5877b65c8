// Bytes of an upstream SSE response → normalized events: framing, JSON, normalizer, and the
// protocol around them ([DONE], `event: error`, malformed events, truncation).
import { Normalizer, type NormalizerOptions } from "./normalizer.js";
import { SSEFramer, type SSEMessage } from "./sse-decoder.js";
import type { StreamEvent } from "./types.js";
import { isObject, toErrorBody } from "./upstream-chunk.js";

/** The synchronous core of normalizeSSE, for callers that already hold the bytes. */
export class SSENormalizer {
  readonly #normalizer: Normalizer;
  readonly #framer: SSEFramer;
  #out: StreamEvent[] = [];
  #dataEvents = 0;

  constructor(options?: NormalizerOptions) {
    this.#normalizer = new Normalizer(options);
    this.#framer = new SSEFramer((m, atEnd) => {
      // Anything after [DONE] or an error is ignored.
      if (this.#normalizer.ended) return;
      if (m.data.trim() !== "") this.#dataEvents++;
      this.#out.push(...eventsOf(m, this.#normalizer, atEnd));
    });
  }

  /**
   * Progress, whether or not it produced events: SSE events with data parsed so far. Comments
   * (`: keep-alive`) and empty `data:` lines are not progress; a chunk whose text the
   * normalizer holds back (a Hermes tool call, an ambiguous tag) is.
   */
  get dataEvents(): number {
    return this.#dataEvents;
  }

  /** Characters of text received so far, emitted or held (see Normalizer.textReceived). */
  get textReceived(): number {
    return this.#normalizer.textReceived;
  }

  /** True once the stream has ended (done or error); later bytes are ignored. */
  get ended(): boolean {
    return this.#normalizer.ended;
  }

  feed(bytes: Uint8Array): StreamEvent[] {
    if (this.#normalizer.ended) return [];
    this.#framer.feed(bytes);
    if (this.#framer.error) this.#out.push(...tooLarge(this.#normalizer, this.#framer.error));
    return this.#take();
  }

  /** The upstream body ended. */
  end(): StreamEvent[] {
    if (this.#normalizer.ended) return this.#take();
    this.#framer.end();
    if (this.#framer.error) this.#out.push(...tooLarge(this.#normalizer, this.#framer.error));
    this.#out.push(...this.#normalizer.end());
    return this.#take();
  }

  #take(): StreamEvent[] {
    const events = this.#out;
    this.#out = [];
    return events;
  }
}

export function normalizeSSE(
  options?: NormalizerOptions,
): TransformStream<Uint8Array, StreamEvent> {
  const sse = new SSENormalizer(options);
  return new TransformStream<Uint8Array, StreamEvent>({
    transform(bytes, controller) {
      for (const ev of sse.feed(bytes)) controller.enqueue(ev);
    },
    flush(controller) {
      for (const ev of sse.end()) controller.enqueue(ev);
    },
  });
}

function eventsOf(m: SSEMessage, normalizer: Normalizer, atEnd: boolean): StreamEvent[] {
  const data = m.data;
  if (data === "[DONE]" || data.trim() === "[DONE]") return normalizer.done();
  if (m.event === "error") {
    const body = parseJson(data);
    const e = isObject(body) && isObject(body.error) ? body.error : isObject(body) ? body : null;
    const { error, status } = toErrorBody(e ?? { message: data || undefined });
    return normalizer.fail(error, status, true);
  }
  if (data.trim() === "") return []; // a keep-alive `data:` with nothing in it
  const chunk = parseJson(data);
  if (chunk === undefined) {
    // Cut off mid-event by the end of the body: a truncation (end() decides), not bad JSON.
    if (atEnd) return [];
    return fail(
      normalizer,
      "invalid_upstream_event",
      "The upstream sent an event that is not JSON.",
    );
  }
  return normalizer.push(chunk);
}

function tooLarge(normalizer: Normalizer, error: Error): StreamEvent[] {
  return fail(normalizer, "event_too_large", error.message);
}

/** Ends the stream with an error of the normalizer's own, after the text it still held. */
function fail(normalizer: Normalizer, code: string, message: string): StreamEvent[] {
  return normalizer.fail({ message, type: "upstream_error", param: null, code }, 502, false);
}

function parseJson(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}
