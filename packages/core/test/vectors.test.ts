// The table test: every vector, in one piece, byte by byte, and cut in two at every byte
// boundary, must mean exactly what the vector says.
import { describe, expect, it } from "vitest";
import { stripReasoningFromMessages } from "../src/index.js";
import {
  cut,
  expected,
  expectInvariants,
  invariantViolation,
  normalizePieces,
  normalizeStream,
  optionsOf,
  sseBytes,
  summarize,
  type Vector,
} from "./support.js";
import dashscope from "./vectors/dashscope.json";
import history from "./vectors/history.json";
import inlineTags from "./vectors/inline-tags.json";
import llamacpp from "./vectors/llamacpp.json";
import ollama from "./vectors/ollama.json";
import openrouter from "./vectors/openrouter.json";
import protocol from "./vectors/protocol.json";
import sglang from "./vectors/sglang.json";
import sseFraming from "./vectors/sse-framing.json";
import thinkOpen from "./vectors/think-open.json";
import tools from "./vectors/tools.json";
import vllm from "./vectors/vllm.json";

const files = [
  dashscope,
  vllm,
  thinkOpen,
  ollama,
  llamacpp,
  sglang,
  openrouter,
  inlineTags,
  sseFraming,
  protocol,
  tools,
] as unknown as Array<{ dialect: string; vectors: Vector[] }>;

/** Tool-call ids are random: compare everything else. */
const withoutIds = (events: ReturnType<typeof normalizePieces>) =>
  events
    .filter((e) => e.type !== "start")
    .map((e) =>
      e.type === "tool_call" && e.id?.startsWith("call_") && e.id.length > 20
        ? { ...e, id: "<generated>" }
        : e,
    );

for (const file of files) {
  describe(file.dialect, () => {
    for (const v of file.vectors) {
      describe(v.name, () => {
        const bytes = sseBytes(v);
        const options = optionsOf(v);

        it("in one piece, through the stream", async () => {
          const events = await normalizeStream([bytes], options);
          expectInvariants(events);
          expect(summarize(events)).toEqual(expected(v));
          if (v.events) expect(withoutIds(events)).toEqual(v.events);
        });

        it("one byte at a time, through the stream", async () => {
          const pieces = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
          const events = await normalizeStream(pieces, options);
          expectInvariants(events);
          expect(summarize(events)).toEqual(expected(v));
        });

        it("cut in two at every byte boundary", () => {
          const want = JSON.stringify(expected(v));
          for (let at = 1; at < bytes.length; at++) {
            const events = normalizePieces(cut(bytes, [at]), options);
            const broken = invariantViolation(events);
            // Only build a readable failure when something is wrong: this loop runs often.
            if (broken !== null || JSON.stringify(summarize(events)) !== want) {
              expect(broken, `cut at byte ${at}`).toBeNull();
              expect(summarize(events), `cut at byte ${at}`).toEqual(expected(v));
            }
          }
        });
      });
    }
  });
}

describe("history", () => {
  const vectors = history.vectors as Array<{ name: string; input: unknown[]; expect: unknown[] }>;
  for (const v of vectors) {
    it(v.name, () => {
      const input = structuredClone(v.input);
      expect(stripReasoningFromMessages(input)).toEqual(v.expect);
      expect(input).toEqual(v.input); // not mutated
    });
  }
});
