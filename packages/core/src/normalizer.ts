// The normalizer: one upstream chat.completion.chunk at a time in, canonical events out,
// whichever dialect the backend speaks (see types.ts for the event invariants).
import { ChoiceStream } from "./choice-stream.js";
import type { ErrorBody, ReasoningMode, StreamEvent, Usage } from "./types.js";
import {
  errorEvent,
  errorOf,
  isObject,
  type Json,
  reasoningOf,
  usageOf,
} from "./upstream-chunk.js";

export interface NormalizerOptions {
  /** How the backend emits reasoning; default "auto". */
  reasoning?: ReasoningMode;
  /** The request offered tools: extract Hermes `<tool_call>` text. */
  tools?: boolean;
}

export class Normalizer {
  readonly #mode: ReasoningMode;
  readonly #tools: boolean;
  readonly #choices = new Map<number, ChoiceStream>();
  #started = false;
  #closed = false;
  #usage: Usage | null = null;
  #received = 0;

  constructor(options: NormalizerOptions = {}) {
    this.#mode = options.reasoning ?? "auto";
    this.#tools = options.tools ?? false;
  }

  /**
   * Characters of text (reasoning, content, tool-call arguments) the upstream has sent so far,
   * emitted or still held (a Hermes `<tool_call>` being held is text received, not silence).
   */
  get textReceived(): number {
    return this.#received;
  }

  /** True once a terminal event (done or error) has been emitted. */
  get ended(): boolean {
    return this.#closed;
  }

  push(chunk: unknown): StreamEvent[] {
    const out: StreamEvent[] = [];
    if (this.#closed || !isObject(chunk)) return out;
    const failure = errorOf(chunk);
    if (failure) return this.fail(failure.error, failure.status, true);
    if (!this.#started) {
      this.#started = true;
      out.push({
        type: "start",
        id: typeof chunk.id === "string" ? chunk.id : "",
        model: typeof chunk.model === "string" ? chunk.model : "",
        created: typeof chunk.created === "number" ? chunk.created : Math.floor(Date.now() / 1000),
      });
    }
    const usage = usageOf(chunk.usage);
    if (usage) this.#usage = usage;
    const choices = chunk.choices;
    if (Array.isArray(choices)) {
      for (let i = 0; i < choices.length; i++) {
        const c = choices[i];
        if (isObject(c)) this.#pushChoice(c, i, out);
      }
    }
    return out;
  }

  /**
   * Ends the stream with an error event. Text and usage seen so far still come first (the
   * client saw the text; accounting needs usage).
   */
  fail(error: ErrorBody, status: number | undefined, fromUpstream: boolean): StreamEvent[] {
    const out: StreamEvent[] = [];
    if (this.#closed) return out;
    this.#finishStream(out);
    const ev: StreamEvent = { type: "error", error };
    if (status !== undefined) ev.status = status;
    if (fromUpstream) ev.fromUpstream = true;
    out.push(ev);
    return out;
  }

  /** The upstream sent `[DONE]`: flush and end cleanly. */
  done(): StreamEvent[] {
    const out: StreamEvent[] = [];
    if (this.#closed) return out;
    this.#finishStream(out);
    out.push({ type: "done" });
    return out;
  }

  /** The upstream body ended. Without a finish reason or `[DONE]` that is a truncation. */
  end(): StreamEvent[] {
    const out: StreamEvent[] = [];
    if (this.#closed) return out;
    let finished = this.#choices.size > 0;
    for (const c of this.#choices.values()) finished &&= c.finished;
    this.#finishStream(out);
    out.push(
      finished
        ? { type: "done" }
        : errorEvent(
            "The upstream stream ended before the completion finished.",
            "stream_truncated",
          ),
    );
    return out;
  }

  #finishStream(out: StreamEvent[]): void {
    this.#flushAll(out);
    this.#closed = true;
    if (this.#usage) out.push({ type: "usage", usage: this.#usage });
  }

  #flushAll(out: StreamEvent[]): void {
    for (const c of this.#choices.values()) {
      c.out = out;
      c.flush();
    }
  }

  #pushChoice(c: Json, position: number, out: StreamEvent[]): void {
    const index =
      typeof c.index === "number" && Number.isInteger(c.index) && c.index >= 0 ? c.index : position;
    let state = this.#choices.get(index);
    if (!state) {
      state = new ChoiceStream(index, this.#mode, this.#tools);
      this.#choices.set(index, state);
      out.push({ type: "role", choice: index, role: "assistant" });
    }
    state.out = out;
    // A non-streaming body has `message` where a chunk has `delta`: both read the same way.
    const delta = isObject(c.delta) ? c.delta : isObject(c.message) ? c.message : null;
    if (delta) {
      const reasoning = reasoningOf(delta);
      if (reasoning) {
        this.#received += reasoning.length;
        state.reasoning(reasoning);
      }
      if (typeof delta.content === "string" && delta.content) {
        this.#received += delta.content.length;
        state.content(delta.content);
      }
      if (Array.isArray(delta.tool_calls)) {
        for (const call of delta.tool_calls) {
          const args = isObject(call) && isObject(call.function) ? call.function.arguments : null;
          this.#received += typeof args === "string" ? args.length : 1;
        }
        state.toolCalls(delta.tool_calls);
      }
    }
    if (typeof c.finish_reason === "string" && c.finish_reason) state.finish(c.finish_reason);
  }
}
