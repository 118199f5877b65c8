// Apps that already use the official `openai` client keep it, and get the typed events.
import {
  DEFAULT_CONTENT,
  DEFAULT_REASONING,
  type Emulator,
  emuPrompt,
  startEmulator,
} from "@thinkgate/emulator";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  APIUserAbortError,
  type ChatEvent,
  fromOpenAI,
  InternalServerError,
  ThinkgateError,
} from "../src/index.js";

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => {
  await emu.close();
});

const openai = (prefix: string) =>
  new OpenAI({ baseURL: `${emu.url}${prefix}`, apiKey: "sk-test", maxRetries: 0 });

describe("fromOpenAI", () => {
  it.each([
    ["/dashscope/compatible-mode/v1", "auto"],
    ["/vllm/v1", "auto"],
    ["/ollama/v1", "auto"],
    ["/vllm-raw/v1", "think-open"],
  ] as const)("turns an openai stream from %s into typed events", async (prefix, reasoning) => {
    const raw = await openai(prefix).chat.completions.create({
      model: "qwq-32b",
      messages: [{ role: "user", content: emuPrompt({ chunks: 5 }) }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const stream = fromOpenAI(raw, { reasoning });
    const events: ChatEvent[] = [];
    for await (const ev of stream) events.push(ev);
    expect(events.at(-1)).toEqual({ type: "done", finishReason: "stop" });
    const result = await stream.final();
    expect(result.reasoning).toBe(DEFAULT_REASONING);
    expect(result.content).toBe(DEFAULT_CONTENT);
    expect(result.usage?.total_tokens).toBeGreaterThan(0);
  });

  it("maps the openai client's in-band stream error to a typed error", async () => {
    const raw = await openai("/vllm/v1").chat.completions.create({
      model: "qwq-32b",
      messages: [{ role: "user", content: emuPrompt({ errorEvent: 2 }) }],
      stream: true,
    });
    const failure = await fromOpenAI(raw)
      .final()
      .catch((e) => e);
    expect(failure).toBeInstanceOf(ThinkgateError);
    expect(failure.message).toMatch(/engine error/);
  });

  it("abort() aborts the openai stream's own controller (the connection closes)", async () => {
    const raw = await openai("/vllm/v1").chat.completions.create({
      model: "qwq-32b",
      messages: [{ role: "user", content: emuPrompt({ chunks: 5, hang: 3 }) }],
      stream: true,
    });
    const stream = fromOpenAI(raw);
    const reading = stream.final();
    setTimeout(() => stream.abort(), 50);
    await expect(reading).rejects.toBeInstanceOf(APIUserAbortError);
    const request = emu.requests.at(-1)!;
    await request.done;
    expect(request.closedByClient).toBe(true);
  });

  it("keeps the status of an HTTP error thrown by the openai client while iterating", async () => {
    async function* failing() {
      yield { choices: [{ index: 0, delta: { reasoning_content: "hm" }, finish_reason: null }] };
      throw Object.assign(new Error("upstream down"), {
        status: 503,
        error: { message: "upstream down", type: "server_error", code: "overloaded" },
      });
    }
    const failure = await fromOpenAI(failing())
      .final()
      .catch((e) => e);
    expect(failure).toBeInstanceOf(InternalServerError);
    expect(failure).toMatchObject({ status: 503, code: "overloaded" });
  });
});
