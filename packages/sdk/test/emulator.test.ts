// The SDK straight against every emulated backend: whatever field or tag a backend uses, the
// caller sees the same events and the same final() result.
import {
  DEFAULT_CONTENT,
  DEFAULT_REASONING,
  type Emulator,
  type EmuSpec,
  emuPrompt,
  startEmulator,
} from "@thinkgate/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChatEvent, type ReasoningMode, Thinkgate, ThinkgateError } from "../src/index.js";

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => {
  await emu.close();
});

const dialects: Array<{ prefix: string; model: string; reasoning: ReasoningMode }> = [
  { prefix: "/dashscope/compatible-mode/v1", model: "qwq-32b", reasoning: "auto" },
  { prefix: "/vllm/v1", model: "Qwen/QwQ-32B", reasoning: "auto" },
  { prefix: "/vllm-0.11/v1", model: "Qwen/QwQ-32B", reasoning: "auto" },
  { prefix: "/vllm-raw/v1", model: "Qwen/QwQ-32B", reasoning: "think-open" },
  { prefix: "/sglang/v1", model: "Qwen/QwQ-32B", reasoning: "auto" },
  { prefix: "/ollama/v1", model: "qwq:32b", reasoning: "auto" },
  { prefix: "/llamacpp/v1", model: "qwq-32b", reasoning: "auto" },
];

function client(prefix: string, reasoning: ReasoningMode) {
  return new Thinkgate({ baseURL: `${emu.url}${prefix}`, apiKey: "sk-test", reasoning });
}
const ask = (spec: EmuSpec = {}) => [{ role: "user" as const, content: emuPrompt(spec) }];

describe.each(dialects)("directly against $prefix", ({ prefix, model, reasoning }) => {
  it("streams reasoning, then content, then usage and done", async () => {
    const stream = client(prefix, reasoning).chat.stream({ model, messages: ask({ chunks: 7 }) });
    const events: ChatEvent[] = [];
    for await (const ev of stream) events.push(ev);

    const text = (type: "reasoning" | "content") =>
      events.flatMap((e) => (e.type === type ? [e.delta] : [])).join("");
    expect(text("reasoning")).toBe(DEFAULT_REASONING);
    expect(text("content")).toBe(DEFAULT_CONTENT);
    const kinds = events.map((e) => e.type).filter((t, i, all) => t !== all[i - 1]);
    expect(kinds).toEqual(["reasoning", "content", "usage", "done"]);
    expect(events.at(-1)).toEqual({ type: "done", finishReason: "stop" });

    const result = await stream.final();
    expect(result).toMatchObject({
      reasoning: DEFAULT_REASONING,
      content: DEFAULT_CONTENT,
      toolCalls: [],
      finishReason: "stop",
    });
    expect(result.usage?.completion_tokens).toBeGreaterThan(0);
    // The SDK always streams and always asks for usage.
    const body = emu.requests.at(-1)?.body as Record<string, unknown>;
    expect(body.stream).toBe(true);
    expect(body.stream_options).toEqual({ include_usage: true });
  });

  it("create() aggregates the same result (stream-only models included)", async () => {
    const result = await client(prefix, reasoning).chat.create({
      model,
      messages: ask({ reasoning: "Short thought.", content: "Short answer.", chunks: 3 }),
    });
    expect(result.reasoning).toBe("Short thought.");
    expect(result.content).toBe("Short answer.");
    expect(result.finishReason).toBe("stop");
  });

  it("reports a tool call as deltas, then one complete call with parsed arguments", async () => {
    const tools = [
      {
        type: "function" as const,
        function: { name: "get_weather", parameters: { type: "object" } },
      },
    ];
    const stream = client(prefix, reasoning).chat.stream({
      model,
      tools,
      messages: ask({ toolCall: { name: "get_weather", arguments: { city: "Zürich", days: 2 } } }),
    });
    const events: ChatEvent[] = [];
    for await (const ev of stream) events.push(ev);
    const deltas = events.filter((e) => e.type === "tool_call_delta");
    expect(deltas.length).toBeGreaterThan(0);
    const calls = events.filter((e) => e.type === "tool_call");
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      index: 0,
      name: "get_weather",
      parsedArguments: { city: "Zürich", days: 2 },
    });
    const { toolCalls, finishReason } = await stream.final();
    expect(toolCalls).toEqual([
      {
        id: calls[0]?.type === "tool_call" ? calls[0].id : "",
        type: "function",
        function: { name: "get_weather", arguments: expect.stringContaining("Zürich") },
      },
    ]);
    expect(finishReason).toBe("tool_calls");
  });

  it("turns the backend's in-band error event into a rejected iteration", async () => {
    const stream = client(prefix, reasoning).chat.stream({
      model,
      messages: ask({ errorEvent: 3 }),
    });
    const seen: string[] = [];
    const failure = await (async () => {
      for await (const ev of stream) seen.push(ev.type);
    })().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ThinkgateError);
    expect((failure as ThinkgateError).message.length).toBeGreaterThan(0);
    expect(seen).toContain("reasoning"); // what came before the error was delivered
    expect(seen).not.toContain("done");
    await expect(stream.final()).rejects.toBe(failure);
  });

  it("lists models", async () => {
    const models = await client(prefix, reasoning).models.list();
    expect(models.length).toBeGreaterThan(0);
    expect(typeof models[0]?.id).toBe("string");
  });
});
