// Hermes tool calls in content (QwQ/Qwen served without a tool parser):
// `<tool_call>{"name": …, "arguments": …}</tool_call>` becomes an OpenAI tool call. Text that is
// not a well-formed call stays visible as content, byte for byte.
import { TextBuilder } from "./text-builder.js";
import { partialTagLength } from "./think-tags.js";
import { newToolCallId } from "./tool-call-id.js";

const OPEN = "<tool_call>";
const CLOSE = "</tool_call>";
/**
 * A call's JSON is held until `</tool_call>`. Past this size it is prose that happens to
 * contain the tag, not a call: it is released as content instead of being held forever.
 */
export const MAX_TOOL_CALL_CHARS = 256 * 1024;

export interface ExtractedToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface ToolCallSink {
  content(text: string): void;
  toolCall(call: ExtractedToolCall): void;
}

export class HermesToolCallExtractor {
  /** A possible start of a tag (`<tool_call>` outside a call, `</tool_call>` inside): short. */
  #held = "";
  #inCall = false;
  /**
   * Inside a call: its text so far, before `#held`. Only new text is searched for the closing
   * tag, so a call streamed in many chunks costs linear time, not a rescan per chunk.
   */
  readonly #call = new TextBuilder();
  /** Whitespace between and after calls is layout, not an answer. */
  #afterCall = false;

  feed(text: string, sink: ToolCallSink): void {
    let s = this.#held + text;
    this.#held = "";
    while (s.length > 0) {
      if (this.#inCall) {
        const close = s.indexOf(CLOSE);
        if (close < 0) {
          if (this.#call.length + s.length > MAX_TOOL_CALL_CHARS) {
            sink.content(OPEN + this.#takeCall(s));
            return;
          }
          const keep = s.length - partialTagLength(s, CLOSE);
          this.#call.append(keep === s.length ? s : s.slice(0, keep));
          this.#held = s.slice(keep);
          return;
        }
        const body = this.#takeCall(s.slice(0, close));
        const call = parseCall(body);
        if (call) {
          this.#afterCall = true;
          sink.toolCall(call);
        } else {
          sink.content(OPEN + body + CLOSE);
        }
        s = s.slice(close + CLOSE.length);
        continue;
      }
      if (this.#afterCall) {
        let i = 0;
        while (i < s.length && /\s/.test(s[i]!)) i++;
        s = s.slice(i);
        if (s.length === 0) return;
        this.#afterCall = false;
      }
      const open = s.indexOf(OPEN);
      if (open >= 0) {
        if (open > 0) sink.content(s.slice(0, open));
        this.#inCall = true;
        s = s.slice(open + OPEN.length);
        continue;
      }
      const keep = s.length - partialTagLength(s, OPEN);
      if (keep > 0) sink.content(keep === s.length ? s : s.slice(0, keep));
      this.#held = s.slice(keep);
      return;
    }
  }

  /** End of content: an unfinished call or a partial tag is shown as the text it was. */
  flush(sink: ToolCallSink): void {
    const text = this.#inCall ? OPEN + this.#takeCall(this.#held) : this.#held;
    this.#held = "";
    if (text) sink.content(text);
  }

  /** The call's whole text, ending with `last`; the extractor is outside a call again. */
  #takeCall(last: string): string {
    this.#call.append(last);
    this.#inCall = false;
    return this.#call.take();
  }
}

function parseCall(body: string): ExtractedToolCall | null {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const call = value as { name?: unknown; arguments?: unknown; parameters?: unknown };
  const name = call.name;
  // Some Hermes-style templates say "parameters" where QwQ's says "arguments".
  const args = call.arguments !== undefined ? call.arguments : call.parameters;
  if (typeof name !== "string" || name.length === 0) return null;
  const argumentsText =
    typeof args === "string" ? args : args === undefined ? "{}" : JSON.stringify(args);
  return { id: newToolCallId(), name, arguments: argumentsText };
}
