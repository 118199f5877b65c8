// The SDK against the running gateway (packages/gateway's createApp on @hono/node-server) in
// front of the emulator: Thinkgate normalizes on the server, the SDK again on the client, and the
// caller sees the same events as when talking to a backend directly.
import type { AddressInfo } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import {
  DEFAULT_CONTENT,
  DEFAULT_REASONING,
  DIALECTS,
  type Emulator,
  type EmuSpec,
  emuPrompt,
  startEmulator,
} from "@thinkgate/emulator";
import { createApp, parseConfig } from "@thinkgate/gateway";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  APIUserAbortError,
  AuthenticationError,
  type ChatEvent,
  NotFoundError,
  PermissionDeniedError,
  Thinkgate,
  ThinkgateError,
} from "../src/index.js";

const KEY = "tg-sdk-test-key";
const LIMITED_KEY = "tg-sdk-limited-key";
let emu: Emulator;
let server: ServerType;
let baseURL: string;

beforeAll(async () => {
  emu = await startEmulator();
  const backends: Record<string, unknown> = {};
  const models: Record<string, unknown> = {};
  for (const d of DIALECTS) {
    backends[d.name] =
      d.name === "dashscope"
        ? { type: "dashscope", baseUrl: `${emu.url}${d.prefix}`, apiKey: "sk-ds" }
        : {
            type: "openai-compatible",
            baseUrl: `${emu.url}${d.prefix}`,
            reasoning: d.name === "vllm-raw" ? "think-open" : "auto",
          };
    models[`qwq-${d.name}`] = { targets: [{ backend: d.name, model: d.defaultModel }] };
  }
  const config = parseConfig(
    {
      backends,
      models,
      keys: [
        { key: KEY, tenant: "sdk" },
        { key: LIMITED_KEY, tenant: "other", models: ["qwq-vllm"] },
      ],
    },
    {},
  );
  const app = createApp({ config });
  await new Promise<void>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve());
  });
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await emu?.close();
});

const tg = (apiKey = KEY) => new Thinkgate({ baseURL, apiKey, maxRetries: 0 });
const ask = (spec: EmuSpec = {}) => [{ role: "user" as const, content: emuPrompt(spec) }];

describe("through the gateway", () => {
  it.each(DIALECTS.map((d) => d.name))("streams the same events from %s", async (name) => {
    const stream = tg().chat.stream({ model: `qwq-${name}`, messages: ask({ chunks: 6 }) });
    const events: ChatEvent[] = [];
    for await (const ev of stream) events.push(ev);
    const kinds = events.map((e) => e.type).filter((t, i, all) => t !== all[i - 1]);
    expect(kinds).toEqual(["reasoning", "content", "usage", "done"]);
    expect(await stream.final()).toMatchObject({
      reasoning: DEFAULT_REASONING,
      content: DEFAULT_CONTENT,
      finishReason: "stop",
      toolCalls: [],
    });
  });

  it.each(["reasoning_content", "reasoning", "think_tags"] as const)(
    "reads the gateway's reasoning_format %s the same way",
    async (format) => {
      const result = await tg().chat.create({
        model: "qwq-vllm",
        reasoning_format: format,
        messages: ask({ reasoning: "Hmm, 9.9 > 9.11.", content: "9.9" }),
      });
      expect(result).toMatchObject({ reasoning: "Hmm, 9.9 > 9.11.", content: "9.9" });
    },
  );

  it("create() works for DashScope's stream-only QwQ", async () => {
    const result = await tg().chat.create({ model: "qwq-dashscope", messages: ask() });
    expect(result.content).toBe(DEFAULT_CONTENT);
    expect(result.usage?.total_tokens).toBeGreaterThan(0);
  });

  it("gets tool calls the gateway extracted from raw QwQ's Hermes text", async () => {
    const result = await tg().chat.create({
      model: "qwq-vllm-raw",
      tools: [{ type: "function", function: { name: "lookup", parameters: { type: "object" } } }],
      messages: ask({ toolCall: { name: "lookup", arguments: { q: "thinkgate" } } }),
    });
    expect(result.toolCalls).toHaveLength(1);
    expect(result.toolCalls[0]?.function.name).toBe("lookup");
    expect(JSON.parse(result.toolCalls[0]!.function.arguments)).toEqual({ q: "thinkgate" });
    expect(result.finishReason).toBe("tool_calls");
  });

  it("lists the models the key may use", async () => {
    expect((await tg().models.list()).map((m) => m.id)).toContain("qwq-sglang");
    expect((await tg(LIMITED_KEY).models.list()).map((m) => m.id)).toEqual(["qwq-vllm"]);
  });

  it("maps the gateway's errors to typed errors with its request id", async () => {
    const wrongKey = await tg("tg-wrong-key-123")
      .chat.create({ model: "qwq-vllm", messages: ask() })
      .catch((e) => e);
    expect(wrongKey).toBeInstanceOf(AuthenticationError);
    expect(wrongKey.status).toBe(401);
    expect(wrongKey.requestId).toEqual(expect.any(String));

    const forbidden = await tg(LIMITED_KEY)
      .chat.create({ model: "qwq-sglang", messages: ask() })
      .catch((e) => e);
    expect(forbidden).toBeInstanceOf(PermissionDeniedError);

    const unknown = await tg()
      .chat.create({ model: "no-such-model", messages: ask() })
      .catch((e) => e);
    expect(unknown).toBeInstanceOf(NotFoundError);
    expect(unknown.code).toBe("model_not_found");
  });

  it("rejects when the backend fails mid-stream (the gateway's in-band error)", async () => {
    const stream = tg().chat.stream({ model: "qwq-vllm", messages: ask({ errorEvent: 3 }) });
    const reasoning: string[] = [];
    const failure = await (async () => {
      for await (const ev of stream) if (ev.type === "reasoning") reasoning.push(ev.delta);
    })().catch((e) => e);
    expect(reasoning.length).toBeGreaterThan(0);
    expect(failure).toBeInstanceOf(ThinkgateError);
    expect(failure.message.length).toBeGreaterThan(0);
  });

  it("aborting the SDK stream cancels the gateway's upstream request too", async () => {
    const controller = new AbortController();
    const stream = tg().chat.stream(
      // The upstream stalls after 10 events (the gateway's idle timeout is a minute): only the
      // abort can close it, however late a loaded machine delivers it.
      { model: "qwq-vllm", messages: ask({ chunks: 50, chunkDelayMs: 20, hang: 10 }) },
      { signal: controller.signal },
    );
    let n = 0;
    const failure = await (async () => {
      for await (const _ of stream) if (++n === 3) controller.abort();
    })().catch((e) => e);
    expect(failure).toBeInstanceOf(APIUserAbortError);
    const upstream = emu.requests.at(-1)!;
    await upstream.done;
    expect(upstream.closedByClient).toBe(true);
  });
});
