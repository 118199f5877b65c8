// SSE in: bytes → messages, framed as WHATWG's event-stream rules say (LF, CRLF and bare CR
// line ends, comments, multi-line data, `event`/`id` fields, unknown fields ignored). The
// leading BOM is TextDecoder's job: it strips it by default. Our own framer rather than
// eventsource-parser: less than half its size in the SDK bundle, as fast (see README.md).

import { TextBuilder } from "./text-builder.js";

export interface SSEMessage {
  event?: string;
  data: string;
  id?: string;
}

/** One event larger than this is a broken or hostile upstream, not a completion chunk. */
export const MAX_EVENT_CHARS = 8 * 1024 * 1024;

/** Synchronous bytes → messages framing, shared by sseDecoder and normalizeSSE. */
export class SSEFramer {
  readonly #decoder = new TextDecoder();
  /** The start of a line whose end has not arrived yet. */
  readonly #partial = new TextBuilder();
  /** The last line ended with CR at the end of the input so far: an LF next completes it. */
  #afterCR = false;
  /** The event being read: its data lines, joined by newlines, once it has one. */
  readonly #data = new TextBuilder();
  #hasData = false;
  #event: string | undefined;
  #id: string | undefined;
  #failure: Error | null = null;
  #ending = false;
  readonly #onMessage: (message: SSEMessage, atEnd: boolean) => void;

  /** `onMessage` learns whether the message was completed only by the end of input. */
  constructor(onMessage: (message: SSEMessage, atEnd: boolean) => void) {
    this.#onMessage = onMessage;
  }

  /** Set when the stream can no longer be framed (an event over MAX_EVENT_CHARS). */
  get error(): Error | null {
    return this.#failure;
  }

  feed(bytes: Uint8Array): void {
    if (this.#failure) return;
    this.#read(this.#decoder.decode(bytes, { stream: true }));
  }

  /**
   * End of input. A final event without its blank line still counts (servers that close right
   * after `data: [DONE]`), so the blank line is supplied here.
   */
  end(): void {
    if (this.#failure) return;
    this.#ending = true;
    this.#read(`${this.#decoder.decode()}\n\n`);
  }

  #read(text: string): void {
    if (text === "") return;
    let start = 0;
    if (this.#afterCR) {
      this.#afterCR = false;
      if (text.charCodeAt(0) === 10) start = 1;
    }
    // Lines are searched for in the new text only: a long event arriving in many reads is
    // appended, not rescanned.
    let cr = text.indexOf("\r", start);
    let lf = text.indexOf("\n", start);
    if (cr < 0 && lf < 0) {
      this.#partial.append(text.slice(start));
    } else {
      let s = text;
      if (this.#partial.length > 0) {
        // (A partial line never follows a CR, so start is 0 here.)
        const n = this.#partial.length;
        s = this.#partial.take() + text;
        if (cr >= 0) cr += n;
        if (lf >= 0) lf += n;
      }
      while (cr >= 0 || lf >= 0) {
        const end = cr < 0 || (lf >= 0 && lf < cr) ? lf : cr;
        this.#line(s, start, end);
        start = end + 1;
        if (end === cr) {
          if (start === s.length) this.#afterCR = true;
          else if (s.charCodeAt(start) === 10) start++;
          cr = s.indexOf("\r", start);
        }
        if (lf >= 0 && lf < start) lf = s.indexOf("\n", start);
      }
      this.#partial.append(s.slice(start));
    }
    if (this.#partial.length + this.#data.length > MAX_EVENT_CHARS) {
      this.#partial.clear();
      this.#data.clear();
      this.#hasData = false;
      this.#failure = new Error(
        `An upstream SSE event exceeded the max buffer size of ${MAX_EVENT_CHARS} characters.`,
      );
    }
  }

  /** One line, from `start` to `end` in `s`. Comments and unknown fields match no name. */
  #line(s: string, start: number, end: number): void {
    if (start === end) {
      this.#dispatch();
      return;
    }
    const data = fieldValue(s, start, end, "data");
    if (data !== null) {
      if (this.#hasData) this.#data.append("\n");
      this.#data.append(data);
      this.#hasData = true;
      return;
    }
    const event = fieldValue(s, start, end, "event");
    if (event !== null) {
      this.#event = event || undefined;
      return;
    }
    const id = fieldValue(s, start, end, "id");
    if (id !== null && !id.includes("\0")) this.#id = id;
  }

  #dispatch(): void {
    if (this.#hasData) {
      const message: SSEMessage = { data: this.#data.take() };
      if (this.#event !== undefined) message.event = this.#event;
      if (this.#id !== undefined) message.id = this.#id;
      this.#onMessage(message, this.#ending);
    }
    this.#data.clear();
    this.#hasData = false;
    this.#event = undefined;
    this.#id = undefined;
  }
}

export function sseDecoder(): TransformStream<Uint8Array, SSEMessage> {
  let framer: SSEFramer;
  return new TransformStream<Uint8Array, SSEMessage>({
    start(controller) {
      framer = new SSEFramer((m) => controller.enqueue(m));
    },
    transform(bytes, controller) {
      framer.feed(bytes);
      if (framer.error) controller.error(framer.error);
    },
    flush(controller) {
      framer.end();
      if (framer.error) controller.error(framer.error);
    },
  });
}

/** The value of field `name` if the line from `start` to `end` in `s` is that field, else null. */
function fieldValue(s: string, start: number, end: number, name: string): string | null {
  if (!s.startsWith(name, start)) return null;
  let at = start + name.length;
  if (at === end) return ""; // a field name alone has an empty value
  if (s.charCodeAt(at) !== 58 /* : */) return null;
  at++;
  if (s.charCodeAt(at) === 32 /* space */) at++;
  return s.slice(at, end);
}
