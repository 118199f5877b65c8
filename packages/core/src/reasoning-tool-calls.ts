// Hermes calls inside FIELD reasoning. QwQ sometimes calls a tool before closing its think
// block; a server with a reasoning parser then ships the call inside `reasoning_content`, where
// its tool parser never looks (vllm#16511). With tools offered, such a call is taken out of the
// reasoning and becomes a tool call; a `<tool_call>` merely mentioned stays reasoning.
import { type ExtractedToolCall, HermesToolCallExtractor } from "./hermes-tool-calls.js";
import {
  findToolCall,
  partialTagLength,
  TOOL_CALL_TAG,
  trimOneTrailingNewline,
} from "./think-tags.js";

export interface ReasoningCallSink {
  reasoning(text: string): void;
  toolCall(call: ExtractedToolCall): void;
}

export class ReasoningToolCalls {
  #held = "";
  /** Once a call has started, the rest goes through the Hermes extractor. */
  #calls: HermesToolCallExtractor | null = null;
  #sink: ReasoningCallSink | null = null;
  // The extractor's "content" is text around the calls: here, that is still reasoning.
  readonly #extracted = {
    content: (text: string) => this.#sink?.reasoning(text),
    toolCall: (call: ExtractedToolCall) => this.#sink?.toolCall(call),
  };

  feed(text: string, sink: ReasoningCallSink): void {
    this.#sink = sink;
    if (this.#calls) {
      this.#calls.feed(text, this.#extracted);
      return;
    }
    const s = this.#held + text;
    const call = findToolCall(s, -1);
    if (call.at >= 0) {
      this.#held = "";
      const before = trimOneTrailingNewline(s.slice(0, call.at));
      if (before) sink.reasoning(before);
      this.#calls = new HermesToolCallExtractor();
      this.#calls.feed(s.slice(call.at), this.#extracted);
      return;
    }
    let keep = Math.min(s.length - partialTagLength(s, TOOL_CALL_TAG), call.pending);
    // The newline before a call is layout, not reasoning: it waits with the tag.
    if (keep > 0 && s[keep - 1] === "\n") keep--;
    this.#held = s.slice(keep);
    if (keep > 0) sink.reasoning(keep === s.length ? s : s.slice(0, keep));
  }

  /** Other output is about to follow: text held for a possible tag goes first, as reasoning. */
  release(sink: ReasoningCallSink): void {
    if (this.#calls || !this.#held) return;
    sink.reasoning(this.#held);
    this.#held = "";
  }

  flush(sink: ReasoningCallSink): void {
    this.#sink = sink;
    if (this.#calls) this.#calls.flush(this.#extracted);
    else if (this.#held) sink.reasoning(this.#held);
    this.#held = "";
  }
}
