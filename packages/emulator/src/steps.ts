import { type Answer, finishReason, hermesText } from "./answer.js";
import { splitText } from "./split.js";

/** One streamed event, before a dialect gives it its wire shape. */
export type Step =
  | { kind: "role" }
  | { kind: "reasoning"; text: string }
  | { kind: "content"; text: string }
  | { kind: "toolStart" }
  | { kind: "toolArguments"; text: string }
  | { kind: "finish"; reason: "stop" | "length" | "tool_calls" }
  | { kind: "usage" };

export interface StepStyle {
  inline: boolean; // no reasoning parser: reasoning is content, closed by "</think>" (QwQ template opened it)
  nativeTools: boolean; // a tool parser turns Hermes text into tool_calls deltas
}

// What QwQ writes between its thought and its answer when the template opened "<think>\n".
export const THINK_CLOSE = "\n</think>\n\n";
const CLOSE_HEAD = "\n</thi"; // the tag is split mid-tag on purpose: "</thi" + "nk>"
const CLOSE_TAIL = "nk>\n\n";

/** The answer text after the thought, for dialects whose tool calls stay text (Hermes). */
export function answerText(answer: Answer, style: StepStyle): string {
  if (!answer.toolCall || style.nativeTools) return answer.content;
  return [answer.content, hermesText(answer.toolCall)].filter((part) => part !== "").join("\n\n");
}

function answerPieces(answer: Answer, style: StepStyle): string[] {
  if (!answer.toolCall || style.nativeTools) return answer.contentPieces;
  return splitText(answerText(answer, style), answer.chunks);
}

/** Lazily, so that ten thousand chunks cost no more memory than ten. */
export function* streamSteps(
  answer: Answer,
  style: StepStyle,
  includeUsage: boolean,
): Generator<Step> {
  yield { kind: "role" };
  const after = answerPieces(answer, style);
  if (style.inline) {
    const before = answer.reasoningPieces;
    // A truncated thought never reaches its closing tag.
    const close = answer.truncated ? "" : CLOSE_HEAD;
    if (before.length === 0 && close) yield { kind: "content", text: close };
    for (let i = 0; i < before.length; i++) {
      const last = i === before.length - 1;
      yield { kind: "content", text: last ? before[i] + close : before[i]! };
    }
    if (after.length === 0 && close) yield { kind: "content", text: CLOSE_TAIL };
    for (let i = 0; i < after.length; i++) {
      yield { kind: "content", text: i === 0 ? CLOSE_TAIL + after[i] : after[i]! };
    }
  } else {
    for (const text of answer.reasoningPieces) yield { kind: "reasoning", text };
    for (const text of after) yield { kind: "content", text };
  }
  if (answer.toolCall && style.nativeTools) {
    yield { kind: "toolStart" };
    for (const text of answer.toolCall.argumentPieces) yield { kind: "toolArguments", text };
  }
  yield { kind: "finish", reason: finishReason(answer, style.nativeTools) };
  if (includeUsage && answer.usage) yield { kind: "usage" };
}
