import { DEFAULT_CONTENT, DEFAULT_REASONING, DIALECTS } from "@thinkgate/emulator";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ask, type Harness, type ReasoningDelta, startHarness } from "./harness.js";

let h: Harness;
const thought = "Compare 9.9 and 9.11: 0.90 > 0.11, so — 思考 ✓";
const reply = "9.9 is larger. 答案: 9.9";
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

/** The QwQ announcement's client loop, ported: reasoning_content first, then content. */
async function announcementClient(stream: AsyncIterable<ChatCompletionChunk>) {
  let reasoning = "";
  let answer = "";
  let isAnswering = false;
  let usage: ChatCompletionChunk["usage"] | undefined;
  for await (const chunk of stream) {
    if (!chunk.choices.length) {
      usage = chunk.usage;
      continue;
    }
    const delta = chunk.choices[0]?.delta as ReasoningDelta;
    if (delta.reasoning_content != null) {
      expect(isAnswering).toBe(false); // reasoning never comes back once the answer started
      reasoning += delta.reasoning_content;
    } else if (delta.content) {
      isAnswering = true;
      answer += delta.content;
    }
  }
  return { reasoning, answer, usage };
}

describe.each(DIALECTS.map((d) => d.name))("dialect %s behind the gateway", (dialect) => {
  const model = `qwq-32b-${dialect}`;

  it("streams reasoning_content then content, as the QwQ announcement's client expects", async () => {
    const stream = await h.client.chat.completions.create({
      model,
      messages: ask({ chunks: 7, usage: { prompt: 10, completion: 30, reasoning: 20 } }),
      stream: true,
      stream_options: { include_usage: true },
    });
    const { reasoning, answer, usage } = await announcementClient(stream);
    expect(reasoning).toBe(DEFAULT_REASONING);
    expect(answer).toBe(DEFAULT_CONTENT);
    expect(usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 30 });
  });

  it("answers a non-streaming request with one chat.completion", async () => {
    const completion = await h.client.chat.completions.create({
      model,
      messages: ask({ chunks: 5 }),
    });
    const message = completion.choices[0]?.message as unknown as ReasoningDelta;
    expect(completion.object).toBe("chat.completion");
    expect(completion.model).toBe(model);
    expect(message.reasoning_content).toBe(DEFAULT_REASONING);
    expect(message.content).toBe(DEFAULT_CONTENT);
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
    const seen = h.emulator.requests.at(-1)?.body as Record<string, unknown>;
    expect(seen).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it("survives keep-alive comments, CRLF and one-character chunks", async () => {
    const stream = await h.client.chat.completions.create({
      model,
      messages: ask({
        reasoning: thought,
        content: reply,
        chunks: 60,
        keepAlive: true,
        crlf: true,
      }),
      stream: true,
    });
    const { reasoning, answer, usage } = await announcementClient(stream);
    expect(reasoning).toBe(thought);
    expect(answer).toBe(reply);
    expect(usage).toBeUndefined(); // the client did not ask for usage
  });
});
