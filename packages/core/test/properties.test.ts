// Property tests: for any reasoning and answer text and ANY way of cutting the bytes into
// chunks, the normalized reasoning and content are exactly what was meant, for every dialect
// in and, after rendering and re-parsing, for every format out.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  Normalizer,
  type NormalizerOptions,
  type ReasoningFormat,
  SSERenderer,
  type StreamEvent,
} from "../src/index.js";
import { OPEN_TAG } from "../src/think-tags.js";
import { cut, invariantViolation, normalizePieces, summarize } from "./support.js";

const encoder = new TextEncoder();

// Text that stresses the tag parser: near-tags, lone "<", multi-byte characters, newlines.
const fragment = fc.oneof(
  fc.constantFrom(
    "<",
    "</",
    "</thi",
    "<think",
    "a < b",
    "</thinking>",
    "<thinking>",
    "</ think>",
    "\n",
    "\n\n",
    " ",
    "思考",
    "🤔",
    "é",
    ">",
    "<tool_call>",
  ),
  fc.string({ unit: "grapheme", maxLength: 6 }),
);
const text = fc
  .array(fragment, { maxLength: 12 })
  .map((parts) => parts.join("").replaceAll("\r", ""));

/** Reasoning: anything but the tags themselves. */
const reasoningText = text.filter((t) => !t.includes("<think>") && !t.includes("</think>"));
/** The answer: may hold literal tags, but does not open with a newline or look like a block. */
const contentText = text.map((t) => t.replace(/^\n+/, "")).filter((t) => !/^\s*<think>/.test(t));

/** Where to cut a byte string: up to 12 offsets, anywhere. */
const cuts = fc.array(fc.nat(), { maxLength: 12 });

interface Meant {
  reasoning: string;
  content: string;
}
const meantArb = fc.record({ reasoning: reasoningText, content: contentText });

/** Splits a string into pieces at arbitrary (code unit safe) positions. */
function pieces(s: string, at: number[]): string[] {
  const chars = Array.from(s);
  const points = [...new Set(at.map((n) => (chars.length ? n % (chars.length + 1) : 0)))].sort(
    (a, b) => a - b,
  );
  const out: string[] = [];
  let from = 0;
  for (const p of points) {
    if (p > from) out.push(chars.slice(from, p).join(""));
    from = Math.max(from, p);
  }
  out.push(chars.slice(from).join(""));
  return out.filter((p) => p.length > 0);
}

const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

/** Each dialect a backend may speak, as the SSE text it would send for `m`. */
const dialects: Record<
  string,
  { options: NormalizerOptions; sse: (m: Meant, at: number[]) => string }
> = {
  "reasoning_content field (DashScope, SGLang, llama.cpp)": {
    options: { reasoning: "auto" },
    sse: (m, at) =>
      chunk({ role: "assistant", content: null, reasoning_content: "" }) +
      pieces(m.reasoning, at)
        .map((r) => chunk({ content: null, reasoning_content: r }))
        .join("") +
      pieces(m.content, at)
        .map((c) => chunk({ content: c, reasoning_content: null }))
        .join("") +
      chunk({ content: "", reasoning_content: null }, "stop") +
      "data: [DONE]\n\n",
  },
  "reasoning field (vLLM >= 0.16, Ollama)": {
    options: { reasoning: "auto" },
    sse: (m, at) =>
      pieces(m.reasoning, at)
        .map((r) => chunk({ role: "assistant", content: "", reasoning: r }))
        .join("") +
      pieces(m.content, at)
        .map((c) => chunk({ role: "assistant", content: c }))
        .join("") +
      chunk({}, "stop") +
      "data: [DONE]\n\n",
  },
  "inline <think> block (auto)": {
    options: { reasoning: "auto" },
    sse: (m, at) => {
      const whole = m.reasoning ? `<think>\n${m.reasoning}\n</think>\n\n${m.content}` : m.content;
      return (
        pieces(whole, at)
          .map((c) => chunk({ content: c }))
          .join("") +
        chunk({}, "stop") +
        "data: [DONE]\n\n"
      );
    },
  },
  "think-open (QwQ without a reasoning parser)": {
    options: { reasoning: "think-open" },
    sse: (m, at) =>
      pieces(`${m.reasoning}\n</think>\n\n${m.content}`, at)
        .map((c) => chunk({ content: c }))
        .join("") +
      chunk({}, "stop") +
      "data: [DONE]\n\n",
  },
  "raw SSE with CRLF and keep-alive comments": {
    options: { reasoning: "auto" },
    sse: (m, at) =>
      (
        ": keep-alive\n\n" +
        pieces(m.reasoning, at)
          .map((r) => `${chunk({ reasoning_content: r })}: ping\n\n`)
          .join("") +
        pieces(m.content, at)
          .map((c) => chunk({ content: c }))
          .join("") +
        chunk({}, "stop") +
        "data: [DONE]\n\n"
      ).replaceAll("\n", "\r\n"),
  },
};

const expectedOf = (m: Meant) => ({ reasoning: m.reasoning || null, content: m.content || null });

function textOf(events: StreamEvent[]) {
  const broken = invariantViolation(events);
  if (broken) throw new Error(broken);
  const choice = summarize(events).choices[0];
  return { reasoning: choice?.reasoning ?? null, content: choice?.content ?? null };
}

function render(events: StreamEvent[], format: ReasoningFormat): string {
  const sse = new SSERenderer({ format });
  return events.map((e) => sse.render(e)).join("");
}

// 17 properties × 1000 runs: seventeen thousand random inputs and chunkings per test run.
const RUNS = 1000;

describe("any text, any chunking: the normalized text is what was meant", () => {
  for (const [name, dialect] of Object.entries(dialects)) {
    it(name, () => {
      fc.assert(
        fc.property(meantArb, cuts, cuts, (m, textCuts, byteCuts) => {
          const bytes = encoder.encode(dialect.sse(m, textCuts));
          const events = normalizePieces(
            cut(
              bytes,
              byteCuts.map((n) => n % (bytes.length + 1)),
            ),
            dialect.options,
          );
          expect(textOf(events)).toEqual(expectedOf(m));
        }),
        { numRuns: RUNS },
      );
    });
  }
});

describe("every format out: render, cut anywhere, re-parse, and get the same text", () => {
  const formats: ReasoningFormat[] = ["reasoning_content", "reasoning", "think_tags", "none"];
  const inputs = Object.entries(dialects);
  for (const format of formats) {
    it(format, () => {
      fc.assert(
        fc.property(
          meantArb,
          fc.integer({ min: 0, max: inputs.length - 1 }),
          cuts,
          cuts,
          (m, which, textCuts, byteCuts) => {
            const [, dialect] = inputs[which]!;
            const upstream = encoder.encode(dialect.sse(m, textCuts));
            const events = normalizePieces([upstream], dialect.options);
            const rendered = encoder.encode(render(events, format));
            const reparsed = normalizePieces(
              cut(
                rendered,
                byteCuts.map((n) => n % (rendered.length + 1)),
              ),
              { reasoning: "auto" },
            );
            const want = expectedOf(m);
            if (format === "none") want.reasoning = null;
            expect(textOf(reparsed)).toEqual(want);
          },
        ),
        { numRuns: RUNS },
      );
    });
  }
});

describe("Hermes tool calls survive any chunking", () => {
  it("arguments arrive as the JSON that was sent, content around them intact", () => {
    const args = fc.dictionary(
      fc.string({ maxLength: 5 }),
      fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null)),
      { maxKeys: 4 },
    );
    fc.assert(
      fc.property(
        // A "<tool_call>" in the thought would be a call made while thinking (tools.json #28).
        reasoningText.filter((r) => !r.includes("<tool_call>")),
        fc.array(args, { minLength: 1, maxLength: 3 }),
        cuts,
        cuts,
        (reasoning, calls, textCuts, byteCuts) => {
          const body = calls
            .map(
              (a, i) =>
                `<tool_call>\n${JSON.stringify({ name: `f${i}`, arguments: a })}\n</tool_call>`,
            )
            .join("\n");
          const sse =
            pieces(`${reasoning}\n</think>\n\n${body}`, textCuts)
              .map((c) => chunk({ content: c }))
              .join("") +
            chunk({}, "stop") +
            "data: [DONE]\n\n";
          const bytes = encoder.encode(sse);
          const events = normalizePieces(
            cut(
              bytes,
              byteCuts.map((n) => n % (bytes.length + 1)),
            ),
            {
              reasoning: "think-open",
              tools: true,
            },
          );
          const choice = summarize(events).choices[0]!;
          expect(choice.reasoning).toBe(reasoning || null);
          expect(choice.content).toBeNull();
          expect(choice.finish).toBe("tool_calls");
          expect(choice.toolCalls.map((c) => [c.name, JSON.parse(c.arguments)])).toEqual(
            calls.map((a, i) => [`f${i}`, a]),
          );
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe("nothing is delayed longer than the ambiguity lasts", () => {
  const feedAll = (
    n: Normalizer,
    parts: string[],
    onEach: (consumed: number, emitted: number) => void,
  ) => {
    let consumed = 0;
    let emitted = 0;
    for (const p of parts) {
      consumed += p.length;
      for (const e of n.push({ choices: [{ index: 0, delta: { content: p } }] })) {
        if (e.type === "reasoning" || e.type === "content") emitted += e.text.length;
      }
      onEach(consumed, emitted);
    }
  };

  it("think-open reasoning holds back at most a newline and a partial </think>", () => {
    // Until something else shows, a stream that so far is whitespace and a prefix of
    // "<think>" may still open with a redundant tag (some servers echo one): all of it is
    // ambiguous, however long the whitespace. Once anything else arrives, the bound holds.
    const mayStillOpen = (seen: string) => {
      const rest = seen.replace(/^[ \t\r\n]*/, "");
      return rest.length < OPEN_TAG.length && OPEN_TAG.startsWith(rest);
    };
    fc.assert(
      fc.property(reasoningText, cuts, (r, at) => {
        const n = new Normalizer({ reasoning: "think-open" });
        // "\r\n" + "</think" is the longest run that can still become the boundary.
        feedAll(n, pieces(r, at), (consumed, emitted) => {
          if (mayStillOpen(r.slice(0, consumed))) return;
          expect(consumed - emitted).toBeLessThanOrEqual(9);
        });
      }),
      { numRuns: RUNS },
    );
  });

  it("think-open: leading whitespace and a partial <think> are held only until it is ambiguous no more", () => {
    // The counterexample fast-check found: four newlines, then "<think" that never completes.
    const n = new Normalizer({ reasoning: "think-open" });
    const texts: string[] = [];
    const push = (content: string) => {
      for (const e of n.push({ choices: [{ index: 0, delta: { content } }] })) {
        if (e.type === "reasoning") texts.push(e.text);
      }
    };
    push("\n\n\n\n<think");
    expect(texts.join("")).toBe("");
    push("s it over");
    expect(texts.join("")).toBe("\n\n\n\n<thinks it over");
  });

  it("the answer after </think> is never held (tools off)", () => {
    fc.assert(
      fc.property(text, cuts, (c, at) => {
        const n = new Normalizer({ reasoning: "think-open" });
        n.push({ choices: [{ index: 0, delta: { content: "r</think>x" } }] });
        feedAll(n, pieces(c, at), (consumed, emitted) => expect(emitted).toBe(consumed));
      }),
      { numRuns: RUNS },
    );
  });

  it("with tools, the answer holds back at most a partial <tool_call>", () => {
    fc.assert(
      fc.property(
        text.filter((t) => !t.includes("<tool_call>")),
        cuts,
        (c, at) => {
          const n = new Normalizer({ tools: true });
          n.push({ choices: [{ index: 0, delta: { content: "x" } }] });
          feedAll(n, pieces(c, at), (consumed, emitted) =>
            expect(consumed - emitted).toBeLessThanOrEqual("<tool_call".length),
          );
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe("n > 1: interleaved choices never share state", () => {
  it("two think-open choices, chunks interleaved in any order, each gets its own text", () => {
    fc.assert(
      fc.property(
        meantArb,
        meantArb,
        cuts,
        fc.array(fc.boolean(), { maxLength: 40 }),
        (a, b, at, order) => {
          const queues = [a, b].map((m) => pieces(`${m.reasoning}\n</think>\n\n${m.content}`, at));
          const n = new Normalizer({ reasoning: "think-open" });
          const events: StreamEvent[] = [];
          let turn = 0;
          while (queues[0]!.length || queues[1]!.length) {
            let i = order[turn++ % Math.max(order.length, 1)] ? 1 : 0;
            if (!queues[i]!.length) i = 1 - i;
            const content = queues[i]!.shift()!;
            events.push(...n.push({ choices: [{ index: i, delta: { content } }] }));
          }
          events.push(
            ...n.push({
              choices: [0, 1].map((index) => ({ index, delta: {}, finish_reason: "stop" })),
            }),
          );
          events.push(...n.done());
          const broken = invariantViolation(events);
          if (broken) throw new Error(broken);
          const { choices } = summarize(events);
          expect(choices.map((c) => ({ reasoning: c.reasoning, content: c.content }))).toEqual([
            expectedOf(a),
            expectedOf(b),
          ]);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe("odd shapes never throw and never break the event contract", () => {
  // Chunks built from the real field names with random values of any JSON type.
  const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.string({ maxLength: 8 }), fragment);
  const delta = fc.record(
    {
      role: value,
      content: value,
      reasoning_content: value,
      reasoning: value,
      reasoning_details: value,
      tool_calls: fc.oneof(
        value,
        fc.array(fc.record({ index: value, id: value, function: value }, { requiredKeys: [] })),
      ),
    },
    { requiredKeys: [] },
  );
  const choice = fc.record(
    {
      index: fc.oneof(fc.nat(3), value),
      delta: fc.oneof(delta, value),
      message: delta,
      finish_reason: value,
    },
    { requiredKeys: [] },
  );
  const chunkArb = fc.oneof(
    fc.record(
      {
        id: value,
        model: value,
        created: value,
        choices: fc.oneof(fc.array(choice, { maxLength: 3 }), value),
        usage: value,
        error: value,
        object: value,
      },
      { requiredKeys: [] },
    ),
    value,
  );

  it("any sequence of chunks, then [DONE] or EOF", () => {
    fc.assert(
      fc.property(
        fc.array(chunkArb, { maxLength: 8 }),
        fc.boolean(),
        fc.boolean(),
        (chunks, tools, sawDone) => {
          const n = new Normalizer({ tools, reasoning: tools ? "think-open" : "auto" });
          const events: StreamEvent[] = [];
          for (const c of chunks) events.push(...n.push(c));
          events.push(...(sawDone ? n.done() : n.end()));
          expect(invariantViolation(events)).toBeNull();
          for (const format of ["reasoning_content", "think_tags"] as const) {
            expect(() => render(events, format)).not.toThrow();
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe("with tools, a thought that only mentions <tool_call> is still all reasoning", () => {
  it("any reasoning without a call in it, any chunking", () => {
    fc.assert(
      fc.property(
        reasoningText.filter((r) => !/<tool_call>\s{0,8}\{/.test(r)),
        contentText.filter((c) => !c.includes("<tool_call>")),
        cuts,
        (reasoning, content, at) => {
          const n = new Normalizer({ reasoning: "think-open", tools: true });
          const events: StreamEvent[] = [];
          for (const p of pieces(`${reasoning}\n</think>\n\n${content}`, at)) {
            events.push(...n.push({ choices: [{ index: 0, delta: { content: p } }] }));
          }
          events.push(
            ...n.push({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }),
            ...n.done(),
          );
          expect(textOf(events)).toEqual(expectedOf({ reasoning, content }));
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe("with tools, field reasoning without a call passes through exactly", () => {
  it("reasoning_content then content, any text, any chunking", () => {
    fc.assert(
      fc.property(
        reasoningText.filter((r) => !/<tool_call>\s{0,8}\{/.test(r)),
        contentText.filter((c) => !c.includes("<tool_call>")),
        cuts,
        cuts,
        (reasoning, content, textCuts, byteCuts) => {
          const sse = dialects["reasoning_content field (DashScope, SGLang, llama.cpp)"]!.sse(
            { reasoning, content },
            textCuts,
          );
          const bytes = encoder.encode(sse);
          const events = normalizePieces(
            cut(
              bytes,
              byteCuts.map((n) => n % (bytes.length + 1)),
            ),
            {
              tools: true,
            },
          );
          expect(textOf(events)).toEqual(expectedOf({ reasoning, content }));
          // All reasoning comes before the answer: nothing held back is released late.
          const kinds = events.flatMap((e) =>
            e.type === "reasoning" || e.type === "content" ? [e.type] : [],
          );
          expect(kinds.join(",")).toMatch(/^(reasoning,?)*(content,?)*$/);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
