import { describe, expect, it } from "vitest";
import { createApp, parseConfig } from "../../src/index.js";
import { parseChatRequest } from "../../src/pipeline/chat-request.js";
import { textTokens } from "../../src/pipeline/token-estimate.js";
import { createMemoryStore } from "../../src/store/memory.js";
import { createTenancy } from "../../src/tenancy/index.js";
import type { UpstreamFetch, UpstreamInit } from "../../src/upstream/transport.js";

// What a request is charged however it ends (docs/config.md, "What a request is charged"),
// through the whole app with a scripted upstream: the usage record and the tpm window agree,
// every attempt that reached an upstream pays its prompt, and nothing else is free to game.

const KEY = "tg-charges-test-key-0001";
const TPM = 1_000_000;

type Script = (init: UpstreamInit, url: string) => Promise<Response>;

const sse = (chunks: unknown[], { done = true } = {}) =>
  chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join("") + (done ? "data: [DONE]\n\n" : "");

const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: "c1",
  object: "chat.completion.chunk",
  created: 1,
  model: "m",
  choices: [{ index: 0, delta, finish_reason: finish }],
});

/** An upstream that sends `head`, then waits until the request is aborted. */
function hanging(head: string, init: UpstreamInit): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head) controller.enqueue(new TextEncoder().encode(head));
      init.signal.addEventListener("abort", () => controller.error(init.signal.reason));
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}

/** Waits for headers until the request is aborted (a long prefill). */
function prefilling(init: UpstreamInit): Promise<Response> {
  return new Promise((_, reject) => {
    init.signal.addEventListener("abort", () => reject(init.signal.reason ?? new Error("aborted")));
  });
}

async function gateway(script: Script, limits: Record<string, number> = { tpm: TPM }) {
  const config = parseConfig(
    {
      backends: {
        a: { type: "openai-compatible", baseUrl: "http://a.test/v1", firstByteTimeoutMs: 5_000 },
        b: { type: "dashscope", baseUrl: "http://b.test/v1", apiKey: "k" },
      },
      models: {
        m: {
          targets: [
            { backend: "a", model: "m" },
            { backend: "b", model: "m" },
          ],
        },
      },
      keys: [{ key: KEY, tenant: "acme", id: "k1", limits }],
      routing: { retry: { backoffBaseMs: 1, backoffMaxMs: 2 } },
    },
    {},
  );
  const store = createMemoryStore();
  const tenancy = await createTenancy({ store, configKeys: config.keys, log: () => {} });
  const sent: { url: string; body: Record<string, unknown> }[] = [];
  const fetch: UpstreamFetch = async (url, init) => {
    sent.push({ url, body: JSON.parse(init.body) });
    return script(init, url);
  };
  const pending: Promise<unknown>[] = [];
  const app = createApp({
    config,
    tenancy,
    fetch,
    waitUntil: (p) => pending.push(p),
    log: () => {},
  });
  const post = (body: unknown, signal?: AbortSignal) =>
    app.request("/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
  const totals = async () => {
    while (pending.length) await Promise.all(pending.splice(0));
    await tenancy.usage.flush();
    const day = new Date().toISOString().slice(0, 10);
    const [usage] = await store.readUsage("acme", day, day);
    const window = await store.reserve("tpm:acme/k1", TPM, 60_000, 0);
    return { usage: usage?.totals, tpm: TPM - window.remaining };
  };
  return { post, sent, totals };
}

const ask = { model: "m", messages: [{ role: "user", content: "How long is a piece of string?" }] };
const prompt = parseChatRequest(ask).promptTokens;
const streamedPrompt = parseChatRequest({ ...ask, stream: true }).promptTokens;

describe("what a request is charged", () => {
  it("a client that leaves while the upstream works on its prompt pays for the prompt", async () => {
    const gw = await gateway((init) => prefilling(init));
    const controller = new AbortController();
    const answer = gw.post({ ...ask, stream: true }, controller.signal);
    await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    await Promise.resolve(answer).catch(() => null);
    const { usage, tpm } = await gw.totals();
    expect(gw.sent).toHaveLength(1);
    expect(usage).toMatchObject({
      requests: 1,
      promptTokens: streamedPrompt,
      completionTokens: 0,
      errors: 1,
    });
    expect(tpm).toBe(streamedPrompt);
  });

  it("a client that leaves after headers, before the first token, pays for the prompt", async () => {
    const gw = await gateway(async (init) => hanging(": prefilling\n\n", init));
    const controller = new AbortController();
    const answer = gw.post({ ...ask, stream: true }, controller.signal);
    await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    await Promise.resolve(answer).catch(() => null);
    const { usage, tpm } = await gw.totals();
    expect(usage).toMatchObject({ promptTokens: streamedPrompt, completionTokens: 0 });
    expect(tpm).toBe(streamedPrompt);
  });

  it("each failed attempt that reached an upstream pays its prompt; the serving one its usage", async () => {
    let call = 0;
    const gw = await gateway(async () => {
      call++;
      if (call === 1) return new Response("boom", { status: 500 });
      return new Response(
        sse([
          chunk({ role: "assistant", content: "" }),
          chunk({ content: "Twice half its length." }, "stop"),
          {
            ...chunk({}),
            choices: [],
            usage: { prompt_tokens: 9, completion_tokens: 5, total_tokens: 14 },
          },
        ]),
        { headers: { "content-type": "text/event-stream" } },
      );
    });
    const res = await gw.post(ask);
    expect(res.status).toBe(200);
    const { usage, tpm } = await gw.totals();
    expect(gw.sent).toHaveLength(2);
    expect(usage).toMatchObject({ promptTokens: prompt + 9, completionTokens: 5, errors: 0 });
    expect(tpm).toBe(prompt + 9 + 5);
  });

  it("attempts that never reached an upstream, or that it refused, cost nothing", async () => {
    let call = 0;
    const gw = await gateway(async () => {
      call++;
      if (call % 2 === 1) throw new TypeError("fetch failed: ECONNREFUSED");
      return new Response('{"error":{"message":"busy"}}', { status: 429 });
    });
    const res = await gw.post(ask);
    expect(res.status).toBeGreaterThanOrEqual(429);
    const { usage, tpm } = await gw.totals();
    expect(gw.sent.length).toBeGreaterThanOrEqual(2);
    expect(usage).toMatchObject({ requests: 1, promptTokens: 0, completionTokens: 0, errors: 1 });
    expect(tpm).toBe(0);
  });

  it("an aborted Chinese stream is charged at least a token per delta and its text's weight", async () => {
    const pieces = ["我们", "先想", "清楚", "，再", "下结", "论。", "推理", "很长"];
    const gw = await gateway(async (init) =>
      hanging(
        sse(
          [
            chunk({ role: "assistant", content: "" }),
            ...pieces.map((p) => chunk({ reasoning_content: p })),
          ],
          { done: false },
        ),
        init,
      ),
    );
    const controller = new AbortController();
    const res = await gw.post({ ...ask, stream: true }, controller.signal);
    const reader = res.body!.getReader();
    let text = "";
    while (!pieces.every((p) => text.includes(p))) {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    await reader.cancel().catch(() => {});
    const { usage, tpm } = await gw.totals();
    const received = pieces.join("");
    // length / 4 would have said 4.
    const floor = Math.max(pieces.length, Math.ceil(textTokens(received)));
    expect(usage?.completionTokens).toBeGreaterThanOrEqual(floor);
    expect(usage?.reasoningTokens).toBeGreaterThanOrEqual(floor);
    expect(usage?.completionTokens).toBeGreaterThan(Math.ceil(received.length / 4) * 3);
    expect(tpm).toBe((usage?.promptTokens ?? 0) + (usage?.completionTokens ?? 0));
  });

  it("sends DashScope the one budget the reservation covers, however the client spells it", async () => {
    const gw = await gateway(
      async (_init, url) => {
        // a fails without reaching anything; b (DashScope) answers.
        if (url.startsWith("http://a.test")) throw new TypeError("fetch failed");
        return new Response(
          sse([
            chunk({ content: "ok" }, "stop"),
            {
              ...chunk({}),
              choices: [],
              usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
            },
          ]),
          { headers: { "content-type": "text/event-stream" } },
        );
      },
      { tpm: 1_000 },
    );
    // The review's repro: 1 reserved, 32,768 asked of DashScope.
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        gw.post({ ...ask, max_completion_tokens: 1, max_tokens: 32_768 }),
      ),
    );
    expect(results.every((r) => r.status === 200 || r.status === 429)).toBe(true);
    const toDashScope = gw.sent.filter((s) => s.url.startsWith("http://b.test"));
    expect(toDashScope.length).toBeGreaterThan(0);
    for (const s of toDashScope) {
      expect(s.body.max_completion_tokens).toBe(1);
      expect(s.body).not.toHaveProperty("max_tokens");
    }
    // n: a whole generation each; above the model's maxN (1) it is refused before anything runs.
    const before = gw.sent.length;
    const four = await gw.post({ ...ask, max_completion_tokens: 1, n: 4 });
    expect(four.status).toBe(400);
    expect(((await four.json()) as { error: { param: string } }).error.param).toBe("n");
    expect(gw.sent.length).toBe(before);
  });
});
