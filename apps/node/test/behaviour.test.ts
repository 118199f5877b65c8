import { DEFAULT_CONTENT, DEFAULT_REASONING, emuPrompt } from "@thinkgate/emulator";
import type { ChatCompletion } from "openai/resources/chat/completions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ask, type Harness, type ReasoningDelta, startHarness } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    models: {
      "qwq-keep": {
        targets: [{ backend: "emu-sglang", model: "Qwen/QwQ-32B" }],
        historyReasoning: "keep",
      },
    },
  });
});
afterAll(() => h.close());

type Params = Parameters<Harness["client"]["chat"]["completions"]["create"]>[0];
/** A request with Thinkgate's extension field, which the client's types do not know. */
function withFormat(params: Record<string, unknown>, format: string): Params {
  return { ...params, reasoning_format: format } as unknown as Params;
}

describe("stream-only DashScope", () => {
  it("serves a non-streaming client by streaming upstream and aggregating", async () => {
    const completion = await h.client.chat.completions.create({
      model: "qwq-32b",
      messages: ask({ usage: { prompt: 12, completion: 48, reasoning: 30 } }),
    });
    const message = completion.choices[0]?.message as unknown as ReasoningDelta;
    expect(message.reasoning_content).toBe(DEFAULT_REASONING);
    expect(message.content).toBe(DEFAULT_CONTENT);
    expect(completion.usage).toMatchObject({
      prompt_tokens: 12,
      completion_tokens: 48,
      total_tokens: 60,
    });
    const seen = h.emulator.requests.at(-1)!;
    expect(seen.dialect).toBe("dashscope");
    expect(seen.body).toMatchObject({
      model: "qwq-32b",
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(seen.headers.authorization).toBe("Bearer sk-emulator-dashscope-key");
  });

  it("estimates usage, marked so, when the upstream reports none", async () => {
    const completion = await h.client.chat.completions.create({
      model: "qwq-32b",
      messages: ask({ noUsage: true }),
    });
    const usage = completion.usage as unknown as Record<string, unknown>;
    expect(usage.estimated).toBe(true);
    expect(usage.completion_tokens).toBeGreaterThan(0);
  });

  it("never forwards enable_thinking or thinking_budget to qwq-32b, and passes other extensions", async () => {
    await h.client.chat.completions.create({
      model: "qwq-32b",
      messages: ask(),
      enable_thinking: true,
      thinking_budget: 50,
      top_k: 20,
    } as unknown as Params);
    const body = h.emulator.requests.at(-1)!.body as Record<string, unknown>;
    expect(body).not.toHaveProperty("enable_thinking");
    expect(body).not.toHaveProperty("thinking_budget");
    expect(body.top_k).toBe(20);
  });
});

describe("unknown parameters", () => {
  it("reach a self-hosted backend untouched, reasoning_format never does", async () => {
    await h.client.chat.completions.create(
      withFormat(
        {
          model: "qwq-32b-vllm",
          messages: ask(),
          chat_template_kwargs: { enable_thinking: true },
          top_k: 40,
          min_p: 0,
          repetition_penalty: 1.05,
        },
        "reasoning",
      ),
    );
    const body = h.emulator.requests.at(-1)!.body as Record<string, unknown>;
    expect(body).toMatchObject({
      chat_template_kwargs: { enable_thinking: true },
      top_k: 40,
      min_p: 0,
      repetition_penalty: 1.05,
    });
    expect(body).not.toHaveProperty("reasoning_format");
  });
});

describe("reasoning_format", () => {
  const expected: Record<string, (m: ReasoningDelta) => void> = {
    reasoning_content: (m) => {
      expect(m.reasoning_content).toBe(DEFAULT_REASONING);
      expect(m.content).toBe(DEFAULT_CONTENT);
    },
    reasoning: (m) => {
      expect(m.reasoning).toBe(DEFAULT_REASONING);
      expect(m.reasoning_content ?? undefined).toBeUndefined();
      expect(m.content).toBe(DEFAULT_CONTENT);
    },
    think_tags: (m) => {
      expect(m.content).toBe(`<think>\n${DEFAULT_REASONING}\n</think>\n\n${DEFAULT_CONTENT}`);
      expect(m.reasoning_content ?? undefined).toBeUndefined();
    },
    none: (m) => {
      expect(m.content).toBe(DEFAULT_CONTENT);
      expect(m.reasoning_content ?? undefined).toBeUndefined();
      expect(m.reasoning ?? undefined).toBeUndefined();
    },
  };

  for (const [format, check] of Object.entries(expected)) {
    it(`${format}: the same shape streamed and not, from a think-open backend`, async () => {
      const params = { model: "qwq-32b-vllm-raw", messages: ask({ chunks: 9 }) };
      const completion = (await h.client.chat.completions.create(
        withFormat(params, format),
      )) as ChatCompletion;
      check(completion.choices[0]?.message as unknown as ReasoningDelta);

      const stream = await h.client.chat.completions.create(
        withFormat({ ...params, stream: true }, format),
      );
      const joined: ReasoningDelta = {};
      for await (const chunk of stream as AsyncIterable<{
        choices: Array<{ delta: ReasoningDelta }>;
      }>) {
        const delta = chunk.choices[0]?.delta ?? {};
        for (const field of ["content", "reasoning_content", "reasoning"] as const) {
          const text = delta[field];
          if (typeof text === "string" && text !== "") joined[field] = (joined[field] ?? "") + text;
        }
      }
      check(joined);
    });
  }
});

describe("history hygiene", () => {
  const history = [
    { role: "user", content: "What is 6 x 7?" },
    {
      role: "assistant",
      content: "<think>six sevens are forty-two</think>\n\n42",
      reasoning_content: "six sevens are forty-two",
    },
    { role: "assistant", content: "Still 42.", reasoning: "checking again" },
    { role: "user", content: emuPrompt({}) },
  ];

  it("strips reasoning fields and think blocks from assistant turns before forwarding", async () => {
    await h.client.chat.completions.create({
      model: "qwq-32b-sglang",
      messages: history,
    } as unknown as Params);
    const sent = (h.emulator.requests.at(-1)!.body as { messages: Array<Record<string, unknown>> })
      .messages;
    expect(sent[1]).toEqual({ role: "assistant", content: "42" });
    expect(sent[2]).toEqual({ role: "assistant", content: "Still 42." });
    expect(sent[0]).toEqual(history[0]);
    expect(sent[3]).toEqual(history[3]);
  });

  it("keeps them for a model that opted out", async () => {
    await h.client.chat.completions.create({
      model: "qwq-keep",
      messages: history,
    } as unknown as Params);
    const sent = (h.emulator.requests.at(-1)!.body as { messages: unknown[] }).messages;
    expect(sent).toEqual(history);
  });
});

describe("tool calls", () => {
  const tools = [
    {
      type: "function" as const,
      function: {
        name: "get_weather",
        parameters: { type: "object", properties: { city: { type: "string" } } },
      },
    },
  ];
  const toolCall = { name: "get_weather", arguments: { city: "Hangzhou" } };

  it.each(["vllm-raw", "dashscope", "vllm"])(
    "%s: a tool call arrives as tool_calls, not text",
    async (dialect) => {
      const completion = await h.client.chat.completions.create({
        model: `qwq-32b-${dialect}`,
        messages: ask({ toolCall, content: "" }),
        tools,
      });
      const choice = completion.choices[0]!;
      expect(choice.finish_reason).toBe("tool_calls");
      const call = choice.message.tool_calls?.[0];
      expect(call?.type).toBe("function");
      expect(call?.type === "function" && call.function.name).toBe("get_weather");
      expect(call?.type === "function" && JSON.parse(call.function.arguments)).toEqual({
        city: "Hangzhou",
      });
      expect(choice.message.content ?? "").not.toContain("<tool_call>");
    },
  );

  it("streams Hermes tool calls as tool_calls deltas", async () => {
    const stream = await h.client.chat.completions.create({
      model: "qwq-32b-vllm-raw",
      messages: ask({ toolCall, content: "", chunks: 6 }),
      tools,
      stream: true,
    });
    let name = "";
    let args = "";
    let content = "";
    let finish: string | null = null;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (!choice) continue;
      content += choice.delta.content ?? "";
      for (const call of choice.delta.tool_calls ?? []) {
        name += call.function?.name ?? "";
        args += call.function?.arguments ?? "";
      }
      finish = choice.finish_reason ?? finish;
    }
    expect(name).toBe("get_weather");
    expect(JSON.parse(args)).toEqual({ city: "Hangzhou" });
    expect(content).not.toContain("<tool_call>");
    expect(finish).toBe("tool_calls");
  });
});
