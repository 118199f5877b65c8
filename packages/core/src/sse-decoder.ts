// SSE in: bytes → messages. Framing (CRLF/CR, comments, multi-line data, BOM) is
// eventsource-parser's job; this file only adds incremental UTF-8 decoding and a size cap.
import { createParser, type EventSourceParser } from "eventsource-parser";

export interface SSEMessage {
  event?: string;
  data: string;
  id?: string;
}

/** One event larger than this is a broken or hostile upstream, not a completion chunk. */
export const MAX_EVENT_CHARS = 8 * 1024 * 1024;

/** Synchronous bytes → messages framing, shared by sseDecoder and normalizeSSE. */
export class SSEFramer {
  private readonly decoder = new TextDecoder();
  private readonly parser: EventSourceParser;
  private failure: Error | null = null;
  private ending = false;

  /** `onMessage` learns whether the message was completed only by the end of input. */
  constructor(onMessage: (message: SSEMessage, atEnd: boolean) => void) {
    this.parser = createParser({
      maxBufferSize: MAX_EVENT_CHARS,
      onEvent: (ev) => {
        const message: SSEMessage = { data: ev.data };
        if (ev.event !== undefined) message.event = ev.event;
        if (ev.id !== undefined) message.id = ev.id;
        onMessage(message, this.ending);
      },
      onError: (err) => {
        if (err.type === "max-buffer-size-exceeded") this.failure = err;
      },
    });
  }

  /** Set when the stream can no longer be framed (an event over MAX_EVENT_CHARS). */
  get error(): Error | null {
    return this.failure;
  }

  feed(bytes: Uint8Array): void {
    if (this.failure) return;
    const text = this.decoder.decode(bytes, { stream: true });
    if (text) this.parser.feed(text);
  }

  /**
   * End of input. A final event without its blank line still counts (servers that close right
   * after `data: [DONE]`), so the blank line is supplied here.
   */
  end(): void {
    if (this.failure) return;
    this.ending = true;
    this.parser.feed(`${this.decoder.decode()}\n\n`);
    this.parser.reset();
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
