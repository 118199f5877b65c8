// Inline reasoning in `content`: a streaming splitter for `<think>…</think>` that holds back only
// the characters that could still become a tag (or the newline that belongs to one), so text is
// never delayed longer than the ambiguity lasts. Only the LEADING think block is reasoning
// (vLLM/SGLang semantics): literal tags later in the answer stay content.
import { TextBuilder } from "./text-builder.js";
import type { ReasoningMode } from "./types.js";

export const OPEN_TAG = "<think>";
export const CLOSE_TAG = "</think>";
/** With tools offered, a Hermes call inside the think block also ends it (vllm#16511). */
export const TOOL_CALL_TAG = "<tool_call>";
/** How much whitespace may sit between `<tool_call>` and its `{` while we wait to see it. */
const MAX_CALL_GAP = 8;

/** Where parsed text goes. */
export interface TextSink {
  reasoning(text: string): void;
  content(text: string): void;
}

type Phase =
  /** Nothing but whitespace (or a prefix of `<think>`) seen yet. */
  | "start"
  /** Inside the think block: text is reasoning until `</think>`. */
  | "reasoning"
  /** Inside a think block that repeats reasoning already sent in a field (llama.cpp deepseek-legacy). */
  | "echo"
  /** Just after `</think>`: the blank line that separates it from the answer is dropped. */
  | "afterClose"
  /** The answer: passed through untouched. */
  | "content";

const isSpace = (c: string | undefined) => c === " " || c === "\n" || c === "\r" || c === "\t";

/** Length of the longest suffix of `s` that is a proper prefix of `tag` (0 if none). */
export function partialTagLength(s: string, tag: string): number {
  // The tags hold exactly one "<", at position 0: only the last "<" in the final
  // tag.length - 1 characters can start a partial tag. Scanning just those keeps this O(tag).
  const from = Math.max(0, s.length - tag.length + 1);
  for (let at = s.length - 1; at >= from; at--) {
    if (s.charCodeAt(at) === 60 /* < */) return tag.startsWith(s.slice(at)) ? s.length - at : 0;
  }
  return 0;
}

export class ThinkTagParser {
  #phase: Phase = "start";
  /** Text held back because it may still turn into (or border) a tag. Always short. */
  #held = "";
  /**
   * In `start`: the whitespace seen so far, before `#held`. Appended to, never rescanned: a
   * stream of blank chunks costs linear time.
   */
  readonly #leadingSpace = new TextBuilder();
  /** What `start` becomes when the text is not a think tag. */
  #fallback: "content" | "reasoning";
  /** Drop one newline right after `<think>`. */
  #skipOpenNewline = false;
  /** Newlines still to drop after `</think>`. */
  #skipCloseNewlines = 0;
  /** Field reasoning seen so far, to recognise an inline echo of it; null when not tracking. */
  #fieldText: FieldText | null = null;
  /** The raw echo block, released as content if it turns out not to be an echo. */
  readonly #echoRaw = new TextBuilder();
  /** The raw text of the opening tag (with the whitespace before it), while it may still matter. */
  #openRaw: string | null = null;
  /** Whether the inline block has produced reasoning text yet. */
  #inlineEmitted = false;
  readonly #tools: boolean;

  /**
   * @param tools the request offered tools: `<tool_call>` followed by `{` inside the think block
   *   is a call the model made while thinking (QwQ does), so reasoning ends there.
   */
  constructor(mode: ReasoningMode = "auto", tools = false) {
    this.#tools = tools;
    this.#fallback = mode === "think-open" ? "reasoning" : "content";
  }

  /**
   * The same choice carried reasoning in a field. A think block in content can then only be a
   * copy of it (llama.cpp deepseek-legacy), and the answer's leading blank line is dropped as
   * it is after an inline `</think>` (vLLM and SGLang leave it in).
   */
  sawFieldReasoning(text: string): void {
    if (this.#phase === "start") {
      this.#fallback = "content";
      this.#fieldText ??= new FieldText();
      this.#fieldText.push(text);
    } else if (this.#phase === "echo" && this.#fieldText !== null) {
      this.#fieldText.push(text);
    } else if (this.#phase === "reasoning" && this.#openRaw !== null && !this.#inlineEmitted) {
      // The block opened before its copy in the field arrived: it is an echo after all.
      this.#phase = "echo";
      this.#fieldText = new FieldText();
      this.#fieldText.push(text);
      this.#echoRaw.clear();
      this.#echoRaw.append(this.#openRaw);
      this.#skipOpenNewline = false;
    }
  }

  feed(text: string, sink: TextSink): void {
    if (text.length === 0) return;
    switch (this.#phase) {
      case "content":
        sink.content(text);
        return;
      case "start":
        this.#feedStart(this.#held + text, sink);
        return;
      case "reasoning":
        this.#feedReasoning(this.#held + text, sink);
        return;
      case "echo":
        this.#feedEcho(this.#held + text, sink);
        return;
      case "afterClose":
        this.#feedAfterClose(text, sink);
        return;
    }
  }

  /** End of this choice's text: release whatever was held, as what it was. */
  flush(sink: TextSink): void {
    const held = this.#leadingSpace.take() + this.#held;
    this.#held = "";
    if (this.#phase === "start") {
      this.#phase = this.#fallback;
      if (this.#fallback === "reasoning") {
        if (held) sink.reasoning(held);
      } else {
        const text = this.#fieldText !== null ? dropLeadingNewlines(held, 2) : held;
        if (text) sink.content(text);
      }
    } else if (this.#phase === "reasoning") {
      if (held) sink.reasoning(held);
    } else if (this.#phase === "echo") {
      // An unterminated block that only repeated field reasoning is dropped: it was a copy.
      this.#echoRaw.clear();
    }
  }

  /** `s`: the held start of a possible tag, then new text; whitespace before it is apart. */
  #feedStart(s: string, sink: TextSink): void {
    let i = 0;
    while (i < s.length && isSpace(s[i])) i++;
    if (i === s.length) {
      this.#leadingSpace.append(s);
      this.#held = "";
      return;
    }
    const earlier = this.#leadingSpace.take();
    const space = earlier + s.slice(0, i);
    if (s.startsWith(OPEN_TAG, i)) {
      this.#held = "";
      const rest = s.slice(i + OPEN_TAG.length);
      if (this.#fieldText !== null) {
        this.#phase = "echo";
        this.#echoRaw.append(space + OPEN_TAG);
        this.#feedEcho(rest, sink);
      } else {
        this.#phase = "reasoning";
        this.#openRaw = space + OPEN_TAG;
        this.#skipOpenNewline = true;
        this.#feedReasoning(rest, sink);
      }
      return;
    }
    if (s.length - i < OPEN_TAG.length && OPEN_TAG.startsWith(s.slice(i))) {
      this.#leadingSpace.append(space);
      this.#held = s.slice(i);
      return;
    }
    this.#held = "";
    if (earlier) s = earlier + s;
    if (this.#fallback === "content") {
      this.#phase = "content";
      const text = this.#fieldText !== null ? dropLeadingNewlines(s, 2) : s;
      this.#fieldText = null;
      sink.content(text);
    } else {
      this.#phase = "reasoning";
      this.#feedReasoning(s, sink);
    }
  }

  #feedReasoning(s: string, sink: TextSink): void {
    if (this.#skipOpenNewline) {
      if (s.length === 0) return;
      if (s === "\r") {
        this.#held = s;
        return;
      }
      this.#skipOpenNewline = false;
      if (s.startsWith("\n")) s = s.slice(1);
      else if (s.startsWith("\r\n")) s = s.slice(2);
    }
    const close = s.indexOf(CLOSE_TAG);
    const call = this.#tools ? findToolCall(s, close) : NO_CALL;
    if (call.at >= 0) {
      // A call made while thinking: reasoning ends, the call goes to the answer side.
      this.#held = "";
      const text = trimOneTrailingNewline(s.slice(0, call.at));
      if (text) sink.reasoning(text);
      this.#openRaw = null;
      this.#phase = "content";
      sink.content(s.slice(call.at));
      return;
    }
    if (close >= 0) {
      this.#held = "";
      const text = trimOneTrailingNewline(s.slice(0, close));
      if (text) sink.reasoning(text);
      this.#openRaw = null;
      this.#phase = "afterClose";
      this.#skipCloseNewlines = 2;
      this.#feedAfterClose(s.slice(close + CLOSE_TAG.length), sink);
      return;
    }
    let keep = s.length - partialTagLength(s, CLOSE_TAG);
    if (this.#tools)
      keep = Math.min(keep, s.length - partialTagLength(s, TOOL_CALL_TAG), call.pending);
    // A newline just before a (possible) closing tag belongs to the tag.
    if (keep > 0 && s[keep - 1] === "\n") keep--;
    else if (keep === s.length && s[keep - 1] === "\r") keep--;
    if (keep > 0 && s[keep - 1] === "\r" && s[keep] === "\n") keep--;
    this.#held = s.slice(keep);
    if (keep > 0) {
      this.#inlineEmitted = true;
      sink.reasoning(keep === s.length ? s : s.slice(0, keep));
    }
  }

  #feedEcho(s: string, sink: TextSink): void {
    const close = s.indexOf(CLOSE_TAG);
    const end = close >= 0 ? close : s.length - partialTagLength(s, CLOSE_TAG);
    const field = this.#fieldText ?? new FieldText();
    for (let i = 0; i < end; i++) {
      const c = s[i];
      if (isSpace(c)) continue;
      if (field.next() !== c) {
        // Not a copy of the field reasoning: it was ordinary answer text all along.
        const raw = this.#echoRaw.take() + s;
        this.#openRaw = null;
        this.#held = "";
        this.#fieldText = null;
        this.#phase = "content";
        sink.content(raw);
        return;
      }
    }
    if (close >= 0) {
      this.#held = "";
      this.#echoRaw.clear();
      this.#openRaw = null;
      this.#fieldText = null;
      this.#phase = "afterClose";
      this.#skipCloseNewlines = 2;
      this.#feedAfterClose(s.slice(close + CLOSE_TAG.length), sink);
      return;
    }
    this.#echoRaw.append(s.slice(0, end));
    this.#held = s.slice(end);
  }

  #feedAfterClose(s: string, sink: TextSink): void {
    const before = s.length;
    const text = dropLeadingNewlines(s, this.#skipCloseNewlines);
    this.#skipCloseNewlines -= countNewlines(s.slice(0, before - text.length));
    if (text.length === 0) return;
    this.#phase = "content";
    sink.content(text);
  }
}

/**
 * Field reasoning, to compare an inline echo against: its chunks as they came, read once in
 * order. Chunks are kept apart, not concatenated, so that field and inline text arriving in
 * turns never recopy what came before.
 */
class FieldText {
  readonly #chunks: string[] = [];
  #chunk = 0;
  #at = 0;

  push(text: string): void {
    if (text) this.#chunks.push(text);
  }

  /** The next character that is not whitespace, consumed; undefined past the end. */
  next(): string | undefined {
    while (this.#chunk < this.#chunks.length) {
      const chunk = this.#chunks[this.#chunk] ?? "";
      while (this.#at < chunk.length) {
        const c = chunk[this.#at++];
        if (!isSpace(c)) return c;
      }
      this.#chunks[this.#chunk++] = "";
      this.#at = 0;
    }
    return undefined;
  }
}

export const NO_CALL = { at: -1, pending: Infinity };

/**
 * Where a tool call starts in reasoning text `s` (before `limit`, the closing tag, if any):
 * `<tool_call>` whose next non-space character is `{`. `pending` is where a `<tool_call>` sits
 * whose `{` has not arrived yet: text from there must wait.
 */
export function findToolCall(s: string, limit: number): { at: number; pending: number } {
  const end = limit >= 0 ? limit : s.length;
  for (
    let at = s.indexOf(TOOL_CALL_TAG);
    at >= 0 && at < end;
    at = s.indexOf(TOOL_CALL_TAG, at + 1)
  ) {
    let i = at + TOOL_CALL_TAG.length;
    while (i < s.length && i - at - TOOL_CALL_TAG.length < MAX_CALL_GAP && isSpace(s[i])) i++;
    if (s[i] === "{") return { at, pending: Infinity };
    if (i === s.length && i - at - TOOL_CALL_TAG.length < MAX_CALL_GAP && limit < 0) {
      return { at: -1, pending: at };
    }
  }
  return NO_CALL;
}

/** `s` without up to `max` leading newlines ("\n" or "\r\n"). */
function dropLeadingNewlines(s: string, max: number): string {
  let i = 0;
  for (let n = 0; n < max; n++) {
    if (s[i] === "\n") i += 1;
    else if (s[i] === "\r" && s[i + 1] === "\n") i += 2;
    else break;
  }
  return i === 0 ? s : s.slice(i);
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s[i] === "\n") n++;
  return n;
}

export function trimOneTrailingNewline(s: string): string {
  if (s.endsWith("\r\n")) return s.slice(0, -2);
  if (s.endsWith("\n")) return s.slice(0, -1);
  return s;
}
