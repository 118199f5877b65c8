import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_CONTENT,
  DEFAULT_REASONING,
  DIALECTS,
  type Emulator,
  emuPrompt,
  startEmulator,
} from "../src/index.js";
import { chat, dataEvents, rawPost } from "./raw-client.js";

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.close());

const url = (prefix: string) => `${emu.url}${prefix}/chat/completions`;
type Chunk = { choices: { delta?: Record<string, unknown>; finish_reason?: string | null }[] };
const deltas = (text: string) =>
  (dataEvents(text) as Chunk[]).flatMap((c) => c.choices.map((ch) => ch.delta ?? {}));
const fieldText = (text: string, name: string) => field(text, name).join("");
const field = (text: string, name: string) =>
  deltas(text)
    .map((d) => d[name])
    .filter((v): v is string => typeof v === "string" && v !== "");

/** True when the buffer stops inside a multi-byte UTF-8 sequence. */
function endsMidCharacter(part: Buffer): boolean {
  for (let back = 1; back <= Math.min(3, part.length); back++) {
    const byte = part[part.length - back]!;
    if (byte < 0x80) return false;
    if (byte >= 0xc0) {
      const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
      return back < length;
    }
  }
  return false;
}

describe("default answer", () => {
  it("is DEFAULT_REASONING then DEFAULT_CONTENT, 8 chunks each", async () => {
    const res = await rawPost(url("/vllm/v1"), chat("no directive here", { stream: true }));
    const reasoning = field(res.text, "reasoning");
    const content = field(res.text, "content");
    expect(reasoning).toHaveLength(8);
    expect(content).toHaveLength(8);
    expect(reasoning.join("")).toBe(DEFAULT_REASONING);
    expect(content.join("")).toBe(DEFAULT_CONTENT);
  });

  it("vllm-raw: everything in content, the closing tag split mid-tag", async () => {
    const res = await rawPost(url("/vllm-raw/v1"), chat("hi", { stream: true }));
    const pieces = field(res.text, "content");
    expect(pieces.join("")).toBe(`${DEFAULT_REASONING}\n</think>\n\n${DEFAULT_CONTENT}`);
    const at = pieces.findIndex((p) => p.endsWith("</thi"));
    expect(at).toBeGreaterThan(0);
    expect(pieces[at + 1]!.startsWith("nk>\n\n")).toBe(true);
    expect(res.text).not.toContain("<think>");
  });

  it("non-streaming vllm-raw: the raw text with </think>", async () => {
    const res = await rawPost(url("/vllm-raw/v1"), chat("hi"));
    const message = JSON.parse(res.text).choices[0].message;
    expect(message.content).toBe(`${DEFAULT_REASONING}\n</think>\n\n${DEFAULT_CONTENT}`);
    expect(message.reasoning).toBeNull();
  });

  it("reads the directive from text parts and from the last user message only", async () => {
    const body = {
      stream: true,
      messages: [
        { role: "user", content: emuPrompt({ content: "old" }) },
        { role: "assistant", content: "x" },
        {
          role: "user",
          content: [{ type: "text", text: emuPrompt({ content: "new", reasoning: "r" }) }],
        },
      ],
    };
    const res = await rawPost(url("/sglang/v1"), body);
    expect(field(res.text, "content").join("")).toBe("new");
    expect(field(res.text, "reasoning_content").join("")).toBe("r");
  });
});

describe("chunks", () => {
  it("splits short texts one code point a chunk at most, never inside a surrogate pair", async () => {
    const res = await rawPost(
      url("/ollama/v1"),
      chat(emuPrompt({ reasoning: "a😀b", content: "xy", chunks: 50 }), { stream: true }),
    );
    expect(field(res.text, "reasoning")).toEqual(["a", "😀", "b"]);
    expect(field(res.text, "content")).toEqual(["x", "y"]);
  });

  it("handles 10,000 chunks a part", async () => {
    const res = await rawPost(
      url("/dashscope/compatible-mode/v1"),
      chat(emuPrompt({ chunks: 10_000 }), { stream: true }),
    );
    expect(field(res.text, "reasoning_content")).toHaveLength(10_000);
    expect(field(res.text, "content")).toHaveLength(10_000);
    expect(res.text.endsWith("data: [DONE]\n\n")).toBe(true);
  });
});

describe("UTF-8", () => {
  it.each(DIALECTS.map((d) => [d.name, d.prefix]))(
    "%s: splits a multi-byte character across writes once",
    async (_, prefix) => {
      const res = await rawPost(url(prefix), chat("hi", { stream: true }));
      expect(res.parts.some(endsMidCharacter)).toBe(true);
      // …and the bytes still decode to the intended text.
      expect(res.text).not.toContain("\uFFFD");
      expect(res.text).toContain("思考");
    },
  );

  it("can be turned off per request", async () => {
    const res = await rawPost(
      url("/vllm/v1"),
      chat(emuPrompt({ splitUtf8: false }), { stream: true }),
    );
    expect(res.text).toContain("思考");
    expect(res.parts.some(endsMidCharacter)).toBe(false);
  });

  it("writes ASCII-only streams without splitting", async () => {
    const res = await rawPost(
      url("/vllm/v1"),
      chat(emuPrompt({ reasoning: "plain", content: "text" }), { stream: true }),
    );
    expect(res.parts.some(endsMidCharacter)).toBe(false);
  });
});

describe("truncated", () => {
  it.each(DIALECTS.map((d) => [d.name, d.prefix]))(
    "%s: reasoning only, finish_reason length",
    async (name, prefix) => {
      const spec = {
        reasoning: "Still thinking about",
        truncated: true,
        toolCall: { name: "f", arguments: {} },
      };
      const res = await rawPost(url(prefix), chat(emuPrompt(spec), { stream: true }));
      const finishes = (dataEvents(res.text) as Chunk[])
        .flatMap((c) => c.choices.map((ch) => ch.finish_reason))
        .filter(Boolean);
      expect(finishes).toEqual(["length"]);
      expect(res.text).not.toContain("think>");
      expect(res.text).not.toContain("<tool_call>");
      expect(res.text).not.toContain('"tool_calls":[');
      const field =
        name === "vllm-raw"
          ? "content"
          : name.startsWith("vllm") || name === "ollama"
            ? "reasoning"
            : "reasoning_content";
      expect(
        deltas(res.text)
          .map((d) => d[field])
          .filter((v) => typeof v === "string")
          .join(""),
      ).toBe("Still thinking about");
      if (name !== "vllm-raw") expect(fieldText(res.text, "content")).toBe("");
    },
  );

  it("non-streaming vLLM: content null, the thought in reasoning", async () => {
    const res = await rawPost(
      url("/vllm/v1"),
      chat(emuPrompt({ reasoning: "Hmm", truncated: true })),
    );
    const choice = JSON.parse(res.text).choices[0];
    expect(choice).toMatchObject({
      finish_reason: "length",
      message: { content: null, reasoning: "Hmm" },
    });
  });

  it("non-streaming vllm-raw: the bare thought, no closing tag", async () => {
    const res = await rawPost(
      url("/vllm-raw/v1"),
      chat(emuPrompt({ reasoning: "Hmm", truncated: true })),
    );
    const choice = JSON.parse(res.text).choices[0];
    expect(choice).toMatchObject({
      finish_reason: "length",
      message: { content: "Hmm", reasoning: null },
    });
  });
});

describe("tool calls", () => {
  const spec = {
    reasoning: "Need weather.",
    toolCall: { name: "get_weather", arguments: { city: "Paris", days: [1, 2] } },
  };
  const args = '{"city": "Paris", "days": [1, 2]}';

  it.each(["/dashscope/compatible-mode/v1", "/vllm/v1", "/vllm-0.11/v1", "/sglang/v1"])(
    "%s: native tool_calls deltas, finish_reason tool_calls",
    async (prefix) => {
      const res = await rawPost(url(prefix), chat(emuPrompt(spec), { stream: true }));
      type Call = {
        index: number;
        id?: string | null;
        type?: string;
        function: { name?: string | null; arguments?: string };
      };
      const calls = deltas(res.text).flatMap((d) =>
        Array.isArray(d.tool_calls) ? (d.tool_calls as Call[]) : [],
      );
      expect(calls.length).toBeGreaterThan(1);
      expect(calls[0]).toMatchObject({
        index: 0,
        type: "function",
        function: { name: "get_weather" },
      });
      expect(calls[0]!.id).toMatch(/\w{8,}/);
      expect(calls.map((c) => c.function.arguments ?? "").join("")).toBe(args);
      const finishes = (dataEvents(res.text) as Chunk[])
        .flatMap((c) => c.choices.map((ch) => ch.finish_reason))
        .filter(Boolean);
      expect(finishes).toEqual(["tool_calls"]);
      expect(field(res.text, "content")).toEqual([]);
    },
  );

  it.each(["/vllm-raw/v1", "/ollama/v1", "/llamacpp/v1"])(
    "%s: Hermes text in content",
    async (prefix) => {
      const res = await rawPost(url(prefix), chat(emuPrompt(spec), { stream: true }));
      const content = field(res.text, "content").join("");
      expect(
        content.endsWith(
          `<tool_call>\n{"name": "get_weather", "arguments": ${args}}\n</tool_call>`,
        ),
      ).toBe(true);
      expect(res.text).not.toContain("tool_calls");
      expect(res.text).toContain('"finish_reason":"stop"');
    },
  );

  it("non-streaming: tool_calls with the whole arguments, content null", async () => {
    const res = await rawPost(url("/vllm/v1"), chat(emuPrompt(spec)));
    const choice = JSON.parse(res.text).choices[0];
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls[0].function).toEqual({ name: "get_weather", arguments: args });
  });
});
