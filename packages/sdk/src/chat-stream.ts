import { APIUserAbortError, ThinkgateError } from "./errors.js";
import { decodeEventLines, encodeEventLines } from "./event-lines.js";
import type { ChatEvent, ChatResult } from "./events.js";
import { linkSignal } from "./link-signal.js";
import { ResultBuilder } from "./result-builder.js";

type Consumer = "events" | "text" | "final" | "readable";

const consumerNames: Record<Consumer, string> = {
  events: "iterated (for await … of stream)",
  text: "read through .reasoning / .content",
  final: "drained by .final()",
  readable: "turned into a ReadableStream",
};

/**
 * One chat completion as it streams. Read it in exactly one way: iterate its events, or read
 * `.reasoning` then `.content`, or turn it into a ReadableStream; `final()` works alongside any
 * of them (or alone) and resolves when the stream ends.
 */
export class ChatStream implements AsyncIterable<ChatEvent> {
  readonly #source: AsyncIterator<ChatEvent>;
  readonly #controller: AbortController;
  readonly #aborted: Promise<never>;
  readonly #builder = new ResultBuilder();
  #consumer: Consumer | null = null;
  #textViews = new Set<"reasoning" | "content">();
  #events: ChatEvent[] = [];
  #reasoning: string[] = [];
  #content: string[] = [];
  #sawDone = false;
  #ended = false;
  #error: ThinkgateError | undefined;
  #pulling: Promise<void> | null = null;

  /**
   * Wraps any source of events. `controller` is aborted by `abort()` and when a loop breaks
   * early; the source should stop its I/O on that signal.
   */
  constructor(
    source: AsyncIterable<ChatEvent>,
    controller: AbortController = new AbortController(),
  ) {
    this.#source = source[Symbol.asyncIterator]();
    this.#controller = controller;
    this.#aborted = new Promise<never>((_, reject) => {
      const fire = () => reject(abortError(controller.signal.reason));
      if (controller.signal.aborted) fire();
      else controller.signal.addEventListener("abort", fire, { once: true });
    });
    this.#aborted.catch(() => {});
  }

  /** Rebuilds a stream from `toReadableStream()` output, e.g. in a browser reading a fetch body. */
  static fromReadableStream(
    stream: ReadableStream<Uint8Array>,
    options: { signal?: AbortSignal } = {},
  ): ChatStream {
    const controller = new AbortController();
    linkSignal(options.signal, controller);
    return new ChatStream(decodeEventLines(stream, controller.signal), controller);
  }

  [Symbol.asyncIterator](): AsyncIterator<ChatEvent> {
    this.#take("events");
    return this.#iterateEvents();
  }

  /** The reasoning text as it streams. May be taken together with `.content`. */
  get reasoning(): AsyncIterable<string> {
    return this.#textView("reasoning", this.#reasoning);
  }

  /** The answer text as it streams; buffered while `.reasoning` is being read. */
  get content(): AsyncIterable<string> {
    return this.#textView("content", this.#content);
  }

  /** The whole result. Reads the stream to its end if nobody else is reading it. */
  async final(): Promise<ChatResult> {
    if (this.#consumer === null) this.#consumer = "final";
    while (!this.#ended) await this.#pull();
    if (this.#error) throw this.#error;
    return this.#builder.result();
  }

  /** Stops the stream and the request behind it; readers then get an `APIUserAbortError`. */
  abort(reason?: unknown): void {
    this.#stop(reason instanceof ThinkgateError ? reason : new APIUserAbortError());
  }

  /** The events as NDJSON (one event per line; a failure becomes a last `error` line). */
  toReadableStream(): ReadableStream<Uint8Array> {
    this.#take("readable");
    return encodeEventLines(this.#iterateEvents(), () =>
      this.#stop(new APIUserAbortError("The ReadableStream was cancelled.")),
    );
  }

  #take(consumer: Consumer): void {
    if (this.#consumer === null || (this.#consumer === "text" && consumer === "text")) {
      this.#consumer = consumer;
      return;
    }
    throw new Error(
      `This ChatStream was already ${consumerNames[this.#consumer]}; a stream can be read only once. ` +
        "Use final() to get the whole result after reading it.",
    );
  }

  #textView(kind: "reasoning" | "content", buffer: string[]): AsyncIterable<string> {
    if (this.#textViews.has(kind)) {
      throw new Error(`ChatStream.${kind} can be taken only once.`);
    }
    this.#take("text");
    this.#textViews.add(kind);
    return { [Symbol.asyncIterator]: () => this.#drain(buffer) };
  }

  async *#iterateEvents(): AsyncGenerator<ChatEvent> {
    try {
      yield* this.#drain(this.#events);
    } finally {
      // A `break` (or a throw in the loop body) leaves the stream: stop the request behind it.
      if (!this.#ended) this.#stop(new APIUserAbortError("The stream was left before its end."));
    }
  }

  /** Yields what `buffer` collects, pulling from the source whenever it runs dry. */
  async *#drain<T>(buffer: T[]): AsyncGenerator<T> {
    while (true) {
      while (buffer.length > 0) yield buffer.shift()!;
      if (this.#ended) {
        if (this.#error) throw this.#error;
        return;
      }
      await this.#pull();
    }
  }

  /** Reads one event from the source; concurrent readers share the same read. */
  #pull(): Promise<void> {
    this.#pulling ??= this.#read().finally(() => {
      this.#pulling = null;
    });
    return this.#pulling;
  }

  async #read(): Promise<void> {
    if (this.#ended) return;
    try {
      const next = await Promise.race([this.#source.next(), this.#aborted]);
      if (this.#ended) return;
      if (next.done) {
        if (!this.#sawDone) {
          this.#fail(
            new ThinkgateError("The stream ended before it was complete.", {
              error: { code: "stream_truncated", type: "upstream_error" },
            }),
          );
        } else {
          this.#ended = true;
          // Detaches the listeners linked to a caller's long-lived AbortSignal.
          this.#controller.abort(new APIUserAbortError("The stream had already ended."));
        }
        return;
      }
      this.#accept(next.value);
    } catch (error) {
      this.#fail(
        error instanceof ThinkgateError
          ? error
          : new ThinkgateError(`The stream failed: ${String(error)}`, { cause: error }),
      );
    }
  }

  #accept(ev: ChatEvent): void {
    this.#builder.push(ev);
    if (ev.type === "done") this.#sawDone = true;
    if (this.#consumer === "events" || this.#consumer === "readable") this.#events.push(ev);
    else if (this.#consumer === "text") {
      if (ev.type === "reasoning") this.#reasoning.push(ev.delta);
      else if (ev.type === "content") this.#content.push(ev.delta);
    }
  }

  #fail(error: ThinkgateError): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    if (!this.#controller.signal.aborted) this.#controller.abort(error);
    this.#source.return?.()?.catch(() => {});
  }

  #stop(error: ThinkgateError): void {
    if (this.#ended) return;
    this.#controller.abort(error);
    this.#fail(error);
  }
}

function abortError(reason: unknown): ThinkgateError {
  return reason instanceof ThinkgateError ? reason : new APIUserAbortError();
}
