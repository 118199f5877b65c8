import { monitorEventLoopDelay } from "node:perf_hooks";
import {
  DEFAULT_CONTENT,
  DEFAULT_REASONING,
  type Emulator,
  type EmuSpec,
  emuPrompt,
  startEmulator,
} from "@thinkgate/emulator";
import {
  type RedisServer,
  startRedisServer,
  startUpstashLocal,
  type UpstashLocal,
} from "@thinkgate/upstash-local";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevWorker, startWranglerDev } from "./wrangler-dev.js";

// One workerd for the whole file: the root wrangler.toml under `wrangler dev`, its config in the
// THINKGATE_CONFIG binding, the backend emulator on 127.0.0.1 behind it, the official client in
// front of it, and the Upstash store (Upstash's REST protocol over a real redis-server) as the
// hosted endpoint runs it.

const apiKey = "tg-worker-test-key";
const dashscopeKey = "sk-dashscope-from-a-binding";
const adminToken = "admin-token-from-a-binding";
const upstashToken = "upstash-token-from-a-binding";
const maxBodyBytes = 64 * 1024;
/** A key with one concurrency slot: the next request shows whether the last one settled. */
const singleSlotKey = "tg-worker-single-slot";

let emulator: Emulator;
let redis: RedisServer;
let upstash: UpstashLocal;
let worker: DevWorker;
let client: OpenAI;

/** A "${NAME}" reference in the config, which the Worker fills in from its bindings. */
const binding = (name: string) => `\${${name}}`;

function config(emulatorUrl: string) {
  const backend = (prefix: string) => ({
    type: "openai-compatible",
    baseUrl: `${emulatorUrl}${prefix}`,
  });
  return {
    server: { maxBodyBytes },
    store: {
      type: "upstash",
      url: binding("UPSTASH_REDIS_REST_URL"),
      token: binding("UPSTASH_REDIS_REST_TOKEN"),
      // workerd, then HTTP to the local Upstash: a loaded machine can take longer than the 1 s
      // default, and a limit checked past its timeout fails open (a third rpm:2 request served).
      timeoutMs: 10_000,
    },
    backends: {
      vllm: backend("/vllm/v1"),
      ollama: backend("/ollama/v1"),
      "vllm-raw": { ...backend("/vllm-raw/v1"), reasoning: "think-open" },
      dashscope: {
        type: "dashscope",
        baseUrl: `${emulatorUrl}/dashscope/compatible-mode/v1`,
        apiKey: binding("DASHSCOPE_API_KEY"),
      },
    },
    models: {
      "qwq-vllm": { targets: [{ backend: "vllm", model: "Qwen/QwQ-32B" }] },
      "qwq-ollama": { targets: [{ backend: "ollama", model: "qwq:32b" }] },
      "qwq-raw": { targets: [{ backend: "vllm-raw", model: "Qwen/QwQ-32B" }] },
      "qwq-32b": { targets: [{ backend: "dashscope", model: "qwq-32b" }] },
    },
    keys: [
      { key: apiKey, tenant: "worker-test" },
      { key: singleSlotKey, tenant: "worker-test", limits: { concurrency: 1 } },
    ],
  };
}

beforeAll(async () => {
  emulator = await startEmulator();
  redis = await startRedisServer();
  upstash = await startUpstashLocal({ redisUrl: redis.url, token: upstashToken });
  worker = await startWranglerDev({
    vars: {
      THINKGATE_CONFIG: JSON.stringify(config(emulator.url)),
      DASHSCOPE_API_KEY: dashscopeKey,
      UPSTASH_REDIS_REST_URL: upstash.url,
      UPSTASH_REDIS_REST_TOKEN: upstashToken,
      THINKGATE_ADMIN_TOKEN: adminToken,
    },
  });
  client = new OpenAI({ baseURL: `${worker.url}/v1`, apiKey, maxRetries: 0 });
}, 90_000);

afterAll(async () => {
  if (process.env.WORKER_TEST_OUTPUT) console.log(worker?.output());
  await worker?.stop();
  await upstash?.close();
  await redis?.stop();
  await emulator?.close();
});

function ask(spec: EmuSpec = {}) {
  return [{ role: "user" as const, content: emuPrompt(spec) }];
}

/** The extension fields the official client's types do not know. */
interface ReasoningFields {
  content?: string | null;
  reasoning_content?: string | null;
  reasoning?: string | null;
}

/** Whether a request with this client's key is admitted (not 429) within `ms`. */
async function admittedWithin(tenant: OpenAI, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await tenant.chat.completions.create({ model: "qwq-vllm", messages: ask() });
      return true;
    } catch (err) {
      if (!(err instanceof OpenAI.RateLimitError) || Date.now() > deadline) return false;
      await new Promise((done) => setTimeout(done, 100));
    }
  }
}

async function collect(stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>) {
  let reasoning = "";
  let content = "";
  let answerChunksWithReasoning = 0;
  for await (const chunk of stream) {
    const delta = (chunk.choices[0]?.delta ?? {}) as ReasoningFields;
    if (delta.reasoning_content) reasoning += delta.reasoning_content;
    if (delta.content) {
      content += delta.content;
      if (delta.reasoning_content != null) answerChunksWithReasoning++;
    }
  }
  return { reasoning, content, answerChunksWithReasoning };
}

describe("the Worker in workerd", () => {
  it("answers /healthz", async () => {
    const res = await fetch(`${worker.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
    expect(res.headers.get("x-request-id")).toMatch(/\S/);
  });

  it("runs the Cron Trigger's scheduled handler", async () => {
    const res = await fetch(`${worker.url}/cdn-cgi/handler/scheduled?cron=*+*+*+*+*`);
    expect(res.status).toBe(200);
  });

  it("serves a non-streaming request from vLLM's `reasoning` dialect in DashScope's shape", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: "qwq-vllm", messages: ask() })
      .withResponse();
    const message = data.choices[0]?.message as unknown as ReasoningFields;
    expect(message.content).toBe(DEFAULT_CONTENT);
    expect(message.reasoning_content).toBe(DEFAULT_REASONING);
    expect(data.model).toBe("qwq-vllm");
    expect(response.headers.get("x-thinkgate-backend")).toBe("vllm");
  });

  it("streams Ollama's dialect as reasoning_content then content", async () => {
    const stream = await client.chat.completions.create({
      model: "qwq-ollama",
      messages: ask({ chunks: 12 }),
      stream: true,
    });
    const out = await collect(stream);
    expect(out.reasoning).toBe(DEFAULT_REASONING);
    expect(out.content).toBe(DEFAULT_CONTENT);
    expect(out.answerChunksWithReasoning).toBe(0);
  });

  it("answers a non-streaming request from stream-only DashScope, key substituted from a binding", async () => {
    const before = emulator.requests.length;
    const completion = await client.chat.completions.create({ model: "qwq-32b", messages: ask() });
    const message = completion.choices[0]?.message as unknown as ReasoningFields;
    expect(message.content).toBe(DEFAULT_CONTENT);
    expect(message.reasoning_content).toBe(DEFAULT_REASONING);
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
    const seen = emulator.requests.slice(before).find((r) => r.dialect === "dashscope");
    expect(seen?.headers.authorization).toBe(`Bearer ${dashscopeKey}`);
    expect(seen?.body).toMatchObject({ stream: true });
  });

  it("renders reasoning_format think_tags from a backend without a reasoning parser", async () => {
    const before = emulator.requests.length;
    // reasoning_format is Thinkgate's extension: the client's types do not know it.
    const params: OpenAI.Chat.ChatCompletionCreateParamsStreaming & { reasoning_format: string } = {
      model: "qwq-raw",
      messages: ask(),
      stream: true,
      reasoning_format: "think_tags",
    };
    const stream = await client.chat.completions.create(params);
    const out = await collect(stream);
    expect(out.reasoning).toBe("");
    const [, thought, answer] = /^<think>([\s\S]*)<\/think>([\s\S]*)$/.exec(out.content) ?? [];
    expect(thought?.trim()).toBe(DEFAULT_REASONING);
    expect(answer?.trim()).toBe(DEFAULT_CONTENT);
    const seen = emulator.requests.slice(before).find((r) => r.dialect === "vllm-raw");
    expect(seen?.body).not.toHaveProperty("reasoning_format");
  });

  it("maps an upstream 503 to an OpenAI-style 503", async () => {
    const error = await client.chat.completions
      .create({ model: "qwq-vllm", messages: ask({ status: 503 }) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    const apiError = error as InstanceType<typeof OpenAI.APIError>;
    expect(apiError.status).toBe(503);
    expect(apiError.code).toBe("upstream_unavailable");
    expect(apiError.type).toBe("upstream_error");
  });

  it("refuses a bad key with 401 and an unknown model with 404", async () => {
    const stranger = new OpenAI({
      baseURL: `${worker.url}/v1`,
      apiKey: "tg-not-a-key",
      maxRetries: 0,
    });
    const unauthorized = await stranger.chat.completions
      .create({ model: "qwq-vllm", messages: ask() })
      .catch((e: unknown) => e);
    expect(unauthorized).toBeInstanceOf(OpenAI.AuthenticationError);
    const missing = await client.chat.completions
      .create({ model: "no-such-model", messages: ask() })
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect((missing as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found");
  });

  it("refuses a body over server.maxBodyBytes with 413, before any upstream call", async () => {
    const before = emulator.requests.length;
    const error = await client.chat.completions
      .create({
        model: "qwq-vllm",
        messages: [{ role: "user", content: "x".repeat(maxBodyBytes + 1) }],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe("body_too_large");
    expect(emulator.requests.length).toBe(before);
  });

  it("closes the upstream connection within a second of the client aborting a stream, and frees its slot", async () => {
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const before = emulator.requests.length;
    const controller = new AbortController();
    const single = new OpenAI({
      baseURL: `${worker.url}/v1`,
      apiKey: singleSlotKey,
      maxRetries: 0,
    });
    const stream = await single.chat.completions.create(
      { model: "qwq-vllm", messages: ask({ chunks: 200, chunkDelayMs: 50 }), stream: true },
      { signal: controller.signal },
    );
    let chunks = 0;
    let abortedAt = 0;
    try {
      for await (const _ of stream) {
        if (++chunks === 3) {
          abortedAt = Date.now();
          controller.abort();
        }
      }
    } catch (err) {
      expect((err as Error).name).toMatch(/Abort/);
    }
    expect(abortedAt).toBeGreaterThan(0);
    const upstream = emulator.requests.slice(before).find((r) => r.dialect === "vllm");
    expect(upstream).toBeDefined();
    // Within a second, plus the longest hold-up of this process's event loop meanwhile: a
    // measure of how loaded the machine is, by which workerd's reaction may be late too.
    const budgetMs = () => 1000 + loopDelay.max / 1e6;
    const closed = await Promise.race([
      upstream?.done.then(() => "closed"),
      new Promise((done) =>
        setTimeout(() => done("still open"), abortedAt + budgetMs() - Date.now()),
      ),
    ]);
    loopDelay.disable();
    expect(closed).toBe("closed");
    expect(upstream?.closedByClient).toBe(true);
    expect((upstream?.closedAt ?? Infinity) - abortedAt).toBeLessThan(budgetMs());
    // The key has one slot: another request is admitted only once the aborted one settled
    // (a store round trip after the abort, so allow it a moment: 10 s on a loaded machine).
    expect(await admittedWithin(single, 10_000)).toBe(true);
  });

  it("keeps keys, limits and usage in the Upstash store", async () => {
    const admin = { authorization: `Bearer ${adminToken}`, "content-type": "application/json" };
    const created = await fetch(`${worker.url}/admin/keys`, {
      method: "POST",
      headers: admin,
      body: JSON.stringify({ tenant: "upstash-tenant", limits: { rpm: 2 } }),
    });
    expect(created.status).toBe(201);
    const { key, id } = (await created.json()) as { key: string; id: string };
    const commandsBefore = upstash.stats.commands;

    const tenant = new OpenAI({ baseURL: `${worker.url}/v1`, apiKey: key, maxRetries: 0 });
    for (let i = 0; i < 2; i++) {
      const { response } = await tenant.chat.completions
        .create({ model: "qwq-vllm", messages: ask() })
        .withResponse();
      expect(response.headers.get("x-ratelimit-limit-requests")).toBe("2");
    }
    const limited = await tenant.chat.completions
      .create({ model: "qwq-vllm", messages: ask() })
      .catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect(
      Number((limited as InstanceType<typeof OpenAI.RateLimitError>).headers?.get("retry-after")),
    ).toBeGreaterThan(0);
    // The key, the limiter's counters and the usage went through Upstash's REST protocol.
    expect(upstash.stats.commands).toBeGreaterThan(commandsBefore);

    // Usage is written after the response (waitUntil): poll briefly for it.
    let requests = 0;
    for (let i = 0; i < 100 && requests < 2; i++) {
      const usage = await fetch(`${worker.url}/admin/usage?tenant=upstash-tenant`, {
        headers: admin,
      });
      expect(usage.status).toBe(200);
      const body = (await usage.json()) as { totals?: { requests?: number } };
      requests = body.totals?.requests ?? 0;
      if (requests < 2) await new Promise((done) => setTimeout(done, 100));
    }
    expect(requests).toBe(2);
    expect(id).toMatch(/\S/);
  });
});

// Last in the file: it takes the store away.
describe("the Worker's /readyz", () => {
  interface Readiness {
    status: string;
    store?: { type: string; ok: boolean; error?: string };
    models: Record<string, { ok: boolean }>;
  }

  it("is ready while Upstash answers, and names the store once it stops answering", async () => {
    const ready = await fetch(`${worker.url}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as Readiness;
    expect(body.status).toBe("ready");
    expect(body.store).toEqual({ type: "upstash", ok: true });
    expect(Object.keys(body.models).sort()).toEqual(
      ["qwq-32b", "qwq-ollama", "qwq-raw", "qwq-vllm"].sort(),
    );

    await redis.stop();
    try {
      // A store check is reused for a second: poll.
      let down = await fetch(`${worker.url}/readyz`);
      for (let deadline = Date.now() + 15_000; down.status !== 503 && Date.now() < deadline; ) {
        await new Promise((done) => setTimeout(done, 200));
        down = await fetch(`${worker.url}/readyz`);
      }
      expect(down.status).toBe(503);
      const downBody = (await down.json()) as Readiness;
      expect(downBody.status).toBe("not_ready");
      expect(downBody.store?.ok).toBe(false);
      expect(Object.values(downBody.models).every((m) => m.ok)).toBe(true);
      expect((await fetch(`${worker.url}/healthz`)).status).toBe(200);
    } finally {
      await redis.start();
    }
  }, 30_000);
});
