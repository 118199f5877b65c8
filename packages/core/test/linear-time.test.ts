// Every scanner of text a client or an upstream controls runs in linear time: its time on four
// times the input is about four times, never sixteen (growth.ts says how that is measured on a
// busy machine). fast-check builds the inputs from tags, partial tags and SSE fields, repeated
// up to 2 MiB and streamed in chunks of a few characters; the examples are known worst cases.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ChoiceStream } from "../src/choice-stream.js";
import { HermesToolCallExtractor } from "../src/hermes-tool-calls.js";
import { SSENormalizer } from "../src/normalize-sse.js";
import { SSEFramer } from "../src/sse-decoder.js";
import { stripThinking } from "../src/strip-reasoning.js";
import { ThinkTagParser } from "../src/think-tags.js";
import {
  chunk,
  chunkSizes,
  fill,
  GROWTH_BOUND,
  growthRuns,
  hostilePattern,
  measureGrowth,
  readSizes,
} from "./growth.js";

const timeout = 240_000;
const sink = { reasoning() {}, content() {}, toolCall() {} };
const encoder = new TextEncoder();

function expectLinear<T>(prepare: (size: number) => T, run: (input: T) => void): void {
  const growth = measureGrowth(prepare, run);
  expect(growth.worst, growth.table).toBeLessThan(GROWTH_BOUND);
}

describe("linear time", () => {
  it(
    "stripThinking takes linear time on any text built around the tags",
    () => {
      fc.assert(
        fc.property(hostilePattern, (pattern) => {
          expectLinear(
            (n) => fill(pattern, n),
            (text) => stripThinking(text),
          );
        }),
        { ...growthRuns, examples: [["<think>"], ["</th"], ["<think>a</think"], ["a</think>"]] },
      );
    },
    timeout,
  );

  it(
    "the think-tag parser takes linear time in every mode, however the stream is cut",
    () => {
      fc.assert(
        fc.property(
          hostilePattern,
          chunkSizes,
          fc.constantFrom("", "<think>", "\n\n"),
          fc.constantFrom("auto", "think-open") as fc.Arbitrary<"auto" | "think-open">,
          fc.boolean(),
          (pattern, sizes, prefix, mode, tools) => {
            expectLinear(
              (n) => chunk(prefix + fill(pattern, n), sizes),
              (chunks) => {
                const parser = new ThinkTagParser(mode, tools);
                for (const c of chunks) parser.feed(c, sink);
                parser.flush(sink);
              },
            );
          },
        ),
        {
          ...growthRuns,
          examples: [
            // Blank chunks before anything else: each used to rescan all the blanks before it.
            [" ", [2], "", "auto", false],
            ["\n", [1], "", "think-open", true],
            ["<tool_call> ", [3], "<think>", "auto", true],
          ],
        },
      );
    },
    timeout,
  );

  it(
    "an inline echo of field reasoning is compared in linear time when both arrive in turns",
    () => {
      fc.assert(
        fc.property(
          fc.string({ minLength: 1, maxLength: 16 }).filter((s) => !s.includes("<")),
          chunkSizes,
          (pattern, sizes) => {
            expectLinear(
              (n) => chunk(fill(pattern, n), sizes),
              (chunks) => {
                const parser = new ThinkTagParser("auto");
                parser.sawFieldReasoning(chunks[0] ?? "");
                parser.feed(`<think>${chunks[0] ?? ""}`, sink);
                for (let i = 1; i < chunks.length; i++) {
                  parser.sawFieldReasoning(chunks[i] ?? "");
                  parser.feed(chunks[i] ?? "", sink);
                }
                parser.flush(sink);
              },
            );
          },
        ),
        { ...growthRuns, examples: [["ab", [2]]] },
      );
    },
    timeout,
  );

  it(
    "the Hermes extractor takes linear time, a long call streamed in small chunks included",
    () => {
      fc.assert(
        fc.property(
          hostilePattern,
          chunkSizes,
          fc.constantFrom("", "<tool_call>"),
          (pattern, sizes, prefix) => {
            expectLinear(
              (n) => chunk(prefix + fill(pattern, n), sizes),
              (chunks) => {
                const extractor = new HermesToolCallExtractor();
                for (const c of chunks) extractor.feed(c, sink);
                extractor.flush(sink);
              },
            );
          },
        ),
        {
          ...growthRuns,
          examples: [
            // Inside a call every chunk used to rescan the whole call for its closing tag.
            ["a", [4], "<tool_call>"],
            ["</tool_call", [5], "<tool_call>"],
          ],
        },
      );
    },
    timeout,
  );

  it(
    "Hermes calls inside field reasoning are found in linear time",
    () => {
      fc.assert(
        fc.property(hostilePattern, chunkSizes, (pattern, sizes) => {
          expectLinear(
            (n) => chunk(fill(pattern, n), sizes),
            (chunks) => {
              const choice = new ChoiceStream(0, "auto", true);
              for (const c of chunks) {
                choice.reasoning(c);
                choice.out = [];
              }
              choice.flush();
            },
          );
        }),
        {
          ...growthRuns,
          examples: [
            ["<tool_call>  ", [3]],
            ["<tool_call>{", [7]],
          ],
        },
      );
    },
    timeout,
  );

  it(
    "the SSE framer takes linear time on any bytes, long lines and bare CRs included",
    () => {
      fc.assert(
        fc.property(hostilePattern, readSizes, (pattern, sizes) => {
          expectLinear(
            (n) => chunk(fill(pattern, n), sizes).map((c) => encoder.encode(c)),
            (chunks) => {
              const framer = new SSEFramer(() => {});
              for (const c of chunks) framer.feed(c);
              framer.end();
            },
          );
        }),
        {
          ...growthRuns,
          examples: [
            ["a", [16]],
            ["data: x\r", [17]],
            ["data:\n", [16]],
          ],
        },
      );
    },
    timeout,
  );

  it(
    "a whole upstream stream is normalized in linear time in its content",
    () => {
      fc.assert(
        fc.property(hostilePattern, chunkSizes, fc.boolean(), (pattern, sizes, field) => {
          const event = (text: string) =>
            `data: ${JSON.stringify({
              choices: [
                {
                  index: 0,
                  delta: field ? { reasoning_content: text } : { content: text },
                },
              ],
            })}\n\n`;
          // n is the size of the SSE text: events are added until it is reached.
          const stream = (n: number) => {
            const text = fill(pattern, n);
            const events: string[] = [];
            let length = 0;
            for (let at = 0, i = 0; length < n; i++) {
              const size = sizes[i % sizes.length] ?? 1;
              const e = event(text.slice(at % text.length, (at % text.length) + size));
              events.push(e);
              length += e.length;
              at += size;
            }
            return events.join("").slice(0, n);
          };
          expectLinear(
            (n) => chunk(stream(n), [4096]).map((c) => encoder.encode(c)),
            (chunks) => {
              const sse = new SSENormalizer({ tools: true });
              for (const c of chunks) sse.feed(c);
              sse.end();
            },
          );
        }),
        {
          ...growthRuns,
          examples: [
            [" ", [1], false],
            ["<tool_call>", [11], false],
          ],
        },
      );
    },
    timeout,
  );
});
