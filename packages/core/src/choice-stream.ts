// One choice of a completion: its inline-tag parser, its Hermes extractor and whether it has
// finished. n > 1 choices each get their own, so interleaved choices never mix state.
import { type ExtractedToolCall, HermesToolCallExtractor } from "./hermes-tool-calls.js";
import { ReasoningToolCalls } from "./reasoning-tool-calls.js";
import { ThinkTagParser } from "./think-tags.js";
import type { FinishReason, ReasoningMode, StreamEvent } from "./types.js";
import { isObject } from "./upstream-chunk.js";

export class ChoiceStream {
  finished = false;
  /** Events go here; the normalizer points it at the array it is filling. */
  out: StreamEvent[] = [];
  readonly #parser: ThinkTagParser;
  readonly #hermes: HermesToolCallExtractor | null;
  readonly #fieldCalls: ReasoningToolCalls | null;
  #hermesCalls = 0;

  /** Where text and calls become events, whichever extractor found them. */
  readonly #events = {
    reasoning: (text: string) => this.out.push({ type: "reasoning", choice: this.index, text }),
    content: (text: string) => this.out.push({ type: "content", choice: this.index, text }),
    toolCall: (call: ExtractedToolCall) =>
      this.out.push({
        type: "tool_call",
        choice: this.index,
        index: this.#hermesCalls++,
        id: call.id,
        name: call.name,
        arguments: call.arguments,
      }),
  };
  // The parser's content goes through the Hermes extractor (when tools were offered) and then out.
  readonly #parsed = {
    reasoning: this.#events.reasoning,
    content: (text: string) => {
      if (this.#hermes) this.#hermes.feed(text, this.#events);
      else this.#events.content(text);
    },
  };

  constructor(
    readonly index: number,
    mode: ReasoningMode,
    tools: boolean,
  ) {
    this.#parser = new ThinkTagParser(mode, tools);
    this.#hermes = tools ? new HermesToolCallExtractor() : null;
    this.#fieldCalls = tools ? new ReasoningToolCalls() : null;
  }

  /** Reasoning that arrived in a field (reasoning_content, reasoning, …). */
  reasoning(text: string): void {
    this.#parser.sawFieldReasoning(text);
    if (this.#fieldCalls) this.#fieldCalls.feed(text, this.#events);
    else this.#events.reasoning(text);
  }

  content(text: string): void {
    this.#fieldCalls?.release(this.#events);
    this.#parser.feed(text, this.#parsed);
  }

  /** Native OpenAI tool-call deltas, passed through per index. */
  toolCalls(deltas: unknown[]): void {
    this.#fieldCalls?.release(this.#events);
    for (let i = 0; i < deltas.length; i++) {
      const d = deltas[i];
      if (!isObject(d)) continue;
      const fn = isObject(d.function) ? d.function : {};
      const ev: StreamEvent & { type: "tool_call" } = {
        type: "tool_call",
        choice: this.index,
        index: typeof d.index === "number" ? d.index : i,
        arguments: typeof fn.arguments === "string" ? fn.arguments : "",
      };
      if (typeof d.id === "string" && d.id) ev.id = d.id;
      if (typeof fn.name === "string" && fn.name) ev.name = fn.name;
      if (ev.id === undefined && ev.name === undefined && ev.arguments === "") continue;
      this.out.push(ev);
    }
  }

  /** Release held-back text: the choice's text has ended. */
  flush(): void {
    this.#fieldCalls?.flush(this.#events);
    this.#parser.flush(this.#parsed);
    this.#hermes?.flush(this.#events);
  }

  finish(reason: FinishReason): void {
    if (this.finished) return;
    this.flush();
    this.finished = true;
    const final = reason === "stop" && this.#hermesCalls > 0 ? "tool_calls" : reason;
    this.out.push({ type: "finish", choice: this.index, reason: final });
  }
}
