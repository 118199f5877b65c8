// History hygiene: earlier assistant turns go back upstream with their final answer only
// (Qwen's guidance for QwQ; some providers reject reasoning_content in input).
import { CLOSE_TAG, OPEN_TAG } from "./think-tags.js";
import { isObject } from "./upstream-chunk.js";

const REASONING_FIELDS = ["reasoning_content", "reasoning"] as const;

/** Returns new messages; the input is never mutated. Non-assistant messages are kept as is. */
export function stripReasoningFromMessages<T>(messages: T[]): T[] {
  return messages.map((m) => (isObject(m) && m.role === "assistant" ? (stripMessage(m) as T) : m));
}

function stripMessage(m: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...m };
  for (const field of REASONING_FIELDS) delete copy[field];
  if (typeof copy.content === "string") copy.content = stripThinking(copy.content);
  else if (Array.isArray(copy.content)) {
    copy.content = copy.content.map((part) =>
      isObject(part) && part.type === "text" && typeof part.text === "string"
        ? { ...part, text: stripThinking(part.text) }
        : part,
    );
  }
  return copy;
}

/**
 * The visible answer of an assistant text: think blocks removed, leading newlines trimmed.
 * One pass of `indexOf` from left to right: linear in the text, whatever tags it holds (the text
 * is the client's; see docs/architecture.md, "Linear time").
 */
export function stripThinking(text: string): string {
  if (!text.includes(CLOSE_TAG) && !text.includes(OPEN_TAG)) return text;
  let s = text;
  // Think-open output (QwQ without a reasoning parser): everything before the first </think>
  // that has no <think> of its own was reasoning.
  const firstClose = s.indexOf(CLOSE_TAG);
  const firstOpen = s.indexOf(OPEN_TAG);
  if (firstClose >= 0 && (firstOpen < 0 || firstClose < firstOpen)) {
    s = s.slice(firstClose + CLOSE_TAG.length);
  }
  s = removeClosedBlocks(s);
  // An unterminated leading block is reasoning that never reached an answer.
  const open = s.indexOf(OPEN_TAG);
  if (open >= 0 && s.slice(0, open).trim() === "" && !s.includes(CLOSE_TAG, open)) s = "";
  let start = 0;
  while (s[start] === "\n" || s[start] === "\r") start++;
  return start === 0 ? s : s.slice(start);
}

/**
 * Every `<think>…</think>` removed, each open paired with the nearest close after it. An open
 * with no close after it ends the search: no later open can have one either, so the rest stays.
 */
function removeClosedBlocks(s: string): string {
  let out = "";
  let from = 0;
  for (;;) {
    const open = s.indexOf(OPEN_TAG, from);
    if (open < 0) break;
    const close = s.indexOf(CLOSE_TAG, open + OPEN_TAG.length);
    if (close < 0) break;
    out += s.slice(from, open);
    from = close + CLOSE_TAG.length;
  }
  return from === 0 ? s : out + s.slice(from);
}
