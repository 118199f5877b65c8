// The official `openai` client reads what the renderers write: streaming chunks with reasoning
// fields, the usage chunk, the in-band error, and the aggregated completion.
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import {
  Aggregator,
  normalizeSSE,
  type ReasoningFormat,
  renderSSE,
  type StreamEvent,
} from "../src/index.js";

const encoder = new TextEncoder();

/** A QwQ stream as vLLM without a reasoning parser sends it. */
const upstream = [
  {
    id: "up",
    model: "Qwen/QwQ-32B",
    created: 1,
    choices: [{ index: 0, delta: { role: "assistant", content: "" } }],
  },
  { choices: [{ index: 0, delta: { content: "9.9 is bigger" } }] },
  { choices: [{ index: 0, delta: { content: ".\n</th" } }] },
  { choices: [{ index: 0, delta: { content: "ink>\n\n9.9" } }] },
  { choices: [{ index: 0, delta: {}, finish_reason: "stop" }] },
  { choices: [], usage: { prompt_tokens: 5, completion_tokens: 9, total_tokens: 14 } },
]
  .map((c) => `data: ${JSON.stringify(c)}\n\n`)
  .join("");

function upstreamBody(text: string): ReadableStream<Uint8Array> {
  return new Response(encoder.encode(text)).body!;
}

/** An OpenAI client whose fetch answers with what Thinkgate would send. */
function clientFor(body: () => BodyInit, contentType = "text/event-stream") {
  return new OpenAI({
    apiKey: "test",
    baseURL: "http://127.0.0.1:1/v1",
    maxRetries: 0,
    fetch: async () =>
      new Response(body(), { status: 200, headers: { "content-type": contentType } }),
  });
}

const gatewayStream =
  (format: ReasoningFormat, text = `${upstream}data: [DONE]\n\n`) =>
  () =>
    upstreamBody(text)
      .pipeThrough(normalizeSSE({ reasoning: "think-open" }))
      .pipeThrough(renderSSE({ format, includeUsage: true, model: "qwq-32b" }));

describe("the official openai client", () => {
  it("streams reasoning_content, then content, then usage", async () => {
    const client = clientFor(gatewayStream("reasoning_content"));
    const stream = await client.chat.completions.create({
      model: "qwq-32b",
      messages: [{ role: "user", content: "9.9 or 9.11?" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let reasoning = "";
    let content = "";
    let usage: unknown = null;
    let finish: string | null = null;
    for await (const chunk of stream) {
      expect(chunk.model).toBe("qwq-32b");
      const choice = chunk.choices[0];
      if (!choice) {
        usage = chunk.usage;
        continue;
      }
      const delta = choice.delta as { content?: string | null; reasoning_content?: string | null };
      reasoning += delta.reasoning_content ?? "";
      content += delta.content ?? "";
      finish = choice.finish_reason ?? finish;
    }
    expect(reasoning).toBe("9.9 is bigger.");
    expect(content).toBe("9.9");
    expect(finish).toBe("stop");
    expect(usage).toEqual({ prompt_tokens: 5, completion_tokens: 9, total_tokens: 14 });
  });

  it("the stream helper accumulates think_tags content into the final message", async () => {
    const client = clientFor(gatewayStream("think_tags"));
    const runner = client.chat.completions.stream({
      model: "qwq-32b",
      messages: [{ role: "user", content: "9.9 or 9.11?" }],
    });
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe("<think>\n9.9 is bigger.\n</think>\n\n9.9");
  });

  it("raises the in-band error of a truncated upstream instead of ending cleanly", async () => {
    const cutShort = upstream.slice(0, upstream.indexOf("ink>"));
    const client = clientFor(gatewayStream("reasoning_content", cutShort));
    const stream = await client.chat.completions.create({
      model: "qwq-32b",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    });
    const read = async () => {
      for await (const _ of stream) {
        // drain
      }
    };
    await expect(read()).rejects.toThrow(/ended before the completion finished/);
  });

  it("parses the aggregated non-streaming completion", async () => {
    const events: StreamEvent[] = [];
    await upstreamBody(`${upstream}data: [DONE]\n\n`)
      .pipeThrough(normalizeSSE({ reasoning: "think-open" }))
      .pipeTo(new WritableStream({ write: (e) => void events.push(e) }));
    const aggregator = new Aggregator({ format: "reasoning_content", model: "qwq-32b" });
    for (const e of events) aggregator.push(e);
    const result = aggregator.result();
    if (!result.ok) throw new Error(result.error.message);
    const client = clientFor(() => JSON.stringify(result.completion), "application/json");
    const completion = await client.chat.completions.create({
      model: "qwq-32b",
      messages: [{ role: "user", content: "9.9 or 9.11?" }],
    });
    const message = completion.choices[0]?.message as {
      content: string | null;
      reasoning_content?: string;
    };
    expect(message.content).toBe("9.9");
    expect(message.reasoning_content).toBe("9.9 is bigger.");
    expect(completion.usage?.total_tokens).toBe(14);
  });
});
