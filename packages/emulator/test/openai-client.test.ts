import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_CONTENT,
  DEFAULT_REASONING,
  DIALECTS,
  type Emulator,
  emuPrompt,
  startEmulator,
} from "../src/index.js";

// The official client is the reference consumer of these wire formats: if it cannot read a
// stream or misreads an error, the emulator is wrong.

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.close());

const client = (prefix: string) =>
  new OpenAI({ baseURL: `${emu.url}${prefix}`, apiKey: "sk-test", maxRetries: 0 });
const user = (content: string) => [{ role: "user" as const, content }];
const REASONING_FIELD: Record<string, string> = {
  dashscope: "reasoning_content",
  vllm: "reasoning",
  "vllm-0.11": "reasoning",
  sglang: "reasoning_content",
  ollama: "reasoning",
  llamacpp: "reasoning_content",
};

describe.each(DIALECTS.filter((d) => d.name !== "vllm-raw").map((d) => [d.name, d] as const))(
  "openai client on %s",
  (name, dialect) => {
    it("streams reasoning, content and usage", async () => {
      const stream = await client(dialect.prefix).chat.completions.create({
        model: dialect.defaultModel,
        messages: user("hi"),
        stream: true,
        stream_options: { include_usage: true },
      });
      let reasoning = "";
      let content = "";
      let usage: OpenAI.CompletionUsage | null | undefined;
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta as Record<string, unknown> | undefined;
        const r = delta?.[REASONING_FIELD[name]!];
        if (typeof r === "string") reasoning += r;
        if (typeof delta?.content === "string") content += delta.content;
        if (chunk.usage) usage = chunk.usage;
      }
      expect(reasoning).toBe(DEFAULT_REASONING);
      expect(content).toBe(DEFAULT_CONTENT);
      expect(usage?.total_tokens).toBeGreaterThan(0);
    });

    it("raises APIError on the in-band error event", async () => {
      const stream = await client(dialect.prefix).chat.completions.create({
        model: dialect.defaultModel,
        messages: user(emuPrompt({ errorEvent: 2 })),
        stream: true,
      });
      const read = async () => {
        for await (const _ of stream) {
          // drain
        }
      };
      await expect(read()).rejects.toBeInstanceOf(OpenAI.APIError);
    });

    it("maps 429 to RateLimitError", async () => {
      const call = client(dialect.prefix).chat.completions.create({
        model: dialect.defaultModel,
        messages: user(emuPrompt({ status: 429, retryAfter: 1 })),
        stream: true,
      });
      await expect(call).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    });
  },
);

describe("openai client, quirks", () => {
  it("sees DashScope's stream-only 400 as BadRequestError with the exact message", async () => {
    const call = client("/dashscope/compatible-mode/v1").chat.completions.create({
      model: "qwq-32b",
      messages: user("hi"),
    });
    const error = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).code).toBe(
      "invalid_parameter_error",
    );
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).message).toContain(
      "only support stream mode",
    );
  });

  it("reads vllm-raw as plain content with the closing tag", async () => {
    const completion = await client("/vllm-raw/v1").chat.completions.create({
      model: "Qwen/QwQ-32B",
      messages: user("hi"),
    });
    expect(completion.choices[0]!.message.content).toBe(
      `${DEFAULT_REASONING}\n</think>\n\n${DEFAULT_CONTENT}`,
    );
  });

  it("assembles native tool calls from the stream", async () => {
    const stream = client("/vllm/v1").chat.completions.stream({
      model: "Qwen/QwQ-32B",
      messages: user(
        emuPrompt({ toolCall: { name: "get_weather", arguments: { city: "Paris" } } }),
      ),
      tools: [
        { type: "function", function: { name: "get_weather", parameters: { type: "object" } } },
      ],
    });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]!.finish_reason).toBe("tool_calls");
    const call = final.choices[0]!.message.tool_calls![0]!;
    expect(call.type === "function" && call.function).toEqual({
      name: "get_weather",
      arguments: '{"city": "Paris"}',
    });
  });
});
