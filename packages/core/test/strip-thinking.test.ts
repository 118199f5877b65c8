// History hygiene's stripThinking is a linear indexOf scan. Its meaning is pinned to the lazy
// regex it replaced, which is kept here only as the oracle: on small inputs it is exact, and on
// large ones it is quadratic (see linear-time.test.ts).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stripThinking } from "../src/strip-reasoning.js";
import { CLOSE_TAG, OPEN_TAG } from "../src/think-tags.js";

/** The regex version, as history hygiene ran it before. */
function regexStripThinking(text: string): string {
  if (!text.includes(CLOSE_TAG) && !text.includes(OPEN_TAG)) return text;
  let s = text;
  const firstClose = s.indexOf(CLOSE_TAG);
  const firstOpen = s.indexOf(OPEN_TAG);
  if (firstClose >= 0 && (firstOpen < 0 || firstClose < firstOpen)) {
    s = s.slice(firstClose + CLOSE_TAG.length);
  }
  s = s.replace(/<think>[\s\S]*?<\/think>/g, "");
  const open = s.indexOf(OPEN_TAG);
  if (open >= 0 && s.slice(0, open).trim() === "" && !s.includes(CLOSE_TAG, open)) s = "";
  return s.replace(/^[\r\n]+/, "");
}

/** Text built around the tags: whole, partial and look-alike tags, blanks and line ends. */
const fragment = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(OPEN_TAG, CLOSE_TAG) },
  fc.constantFrom(
    "<",
    "</",
    "</th",
    "<think",
    "</think",
    "think>",
    "<<think>>",
    "</</think>",
    "<thinking>",
    "</ think>",
    "\n",
    "\r\n",
    "\r",
    " ",
    "\t",
    "答",
    "🤔",
  ),
  fc.string({ maxLength: 4 }),
);
const tagText = fc.array(fragment, { maxLength: 24 }).map((parts) => parts.join(""));

describe("stripThinking", () => {
  it("equals the lazy regex it replaced on any text built around the tags", () => {
    fc.assert(
      fc.property(tagText, (text) => {
        expect(stripThinking(text)).toBe(regexStripThinking(text));
      }),
      { numRuns: 3000 },
    );
  });

  it("equals the lazy regex on hand-picked edge cases", () => {
    for (const text of [
      "",
      "answer",
      "<think>",
      "</think>",
      "<think></think>",
      "<think>a</think>\n\nb",
      "a</think>b<think>c",
      "a</think>\r\n\nb",
      "<think>a<think>b</think>c</think>d",
      "  <think>never closed",
      "x <think>never closed",
      "<think>a</think>b<think>c",
      "<think>a</think>  <think>c",
      "</think></think>",
      "<think></think></think>",
      "<think>".repeat(5),
      "</th<think>ink>",
    ]) {
      expect(stripThinking(text), JSON.stringify(text)).toBe(regexStripThinking(text));
    }
  });
});
