import { type Emulator, startEmulator } from "@thinkgate/emulator";
import { createGatewayMetrics, type TenancyHandle } from "@thinkgate/gateway";
import OpenAI, { APIError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emulatedConfig } from "../src/emulated-config.js";
import { type RunningServer, startServer } from "../src/server.js";
import { buildTenancy } from "../src/tenancy.js";
import { ask } from "./harness.js";
import { promtoolCheck, sampleValue } from "./support/exposition.js";

// GET /metrics on the gateway's port, behind the admin token: what one burst of real traffic
// (the official client against the emulator) leaves in it, checked by promtool.

const ADMIN = "metrics-test-admin-token-0123456789";
const KEY = "tg-metrics-unlimited-key";
const LIMITED = "tg-metrics-limited-key";

let emulator: Emulator;
let server: RunningServer;
let tenancy: TenancyHandle;
let client: OpenAI;

beforeAll(async () => {
  emulator = await startEmulator();
  const config = emulatedConfig(emulator.url, {
    server: { host: "127.0.0.1", auth: "keys" },
    admin: { token: ADMIN },
    keys: [
      { key: KEY, tenant: "acme" },
      { key: LIMITED, tenant: "tiny", limits: { rpm: 1 } },
    ],
    backends: {
      emu: { type: "openai-compatible", baseUrl: `${emulator.url}/vllm/v1` },
      nowhere: { type: "openai-compatible", baseUrl: "http://127.0.0.1:9/v1" },
    },
    models: {
      good: { targets: [{ backend: "emu", model: "Qwen/QwQ-32B" }] },
      failover: {
        targets: [
          { backend: "nowhere", model: "x" },
          { backend: "emu", model: "Qwen/QwQ-32B" },
        ],
      },
    },
  });
  const metrics = createGatewayMetrics();
  tenancy = await buildTenancy(config, {}, metrics);
  server = await startServer({ config, tenancy, metrics, port: 0 });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: KEY, maxRetries: 0 });
});
afterAll(async () => {
  await server?.close();
  await tenancy?.close();
  await emulator?.close();
});

const usage = { prompt: 11, completion: 30, reasoning: 20 };

async function scrape(token = ADMIN): Promise<Response> {
  return fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
}

/** Scrapes until `check` holds: the metrics of a stream are recorded when its body ends. */
async function scrapeUntil(check: (text: string) => boolean): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const text = await (await scrape()).text();
    if (check(text) || Date.now() > deadline) return text;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("GET /metrics", () => {
  it("refuses a scrape without the admin token", async () => {
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    expect((await scrape("wrong-token-wrong-token")).status).toBe(401);
  });

  it("counts requests, tokens, failovers, refusals and aborts, in a format promtool accepts", async () => {
    const stream = await client.chat.completions.create({
      model: "good",
      stream: true,
      messages: ask({ usage }),
    });
    for await (const _ of stream) {
      // drained
    }
    await client.chat.completions.create({ model: "good", messages: ask({ usage }) });
    const failedOver = await client.chat.completions.create({
      model: "failover",
      messages: ask({ usage }),
    });
    expect(failedOver.choices[0]?.message.content).toBeTruthy();
    await expect(
      client.chat.completions.create({ model: "no-such-model", messages: ask() }),
    ).rejects.toMatchObject({ status: 404 });

    const limited = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: LIMITED, maxRetries: 0 });
    await limited.chat.completions.create({ model: "good", messages: ask() });
    const refused = await limited.chat.completions
      .create({ model: "good", messages: ask() })
      .catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(APIError);
    expect((refused as APIError).status).toBe(429);

    // A client that leaves after the first token of a stream that then stalls.
    const controller = new AbortController();
    const stalled = await client.chat.completions.create(
      { model: "good", stream: true, messages: ask({ hang: 3 }) },
      { signal: controller.signal },
    );
    // The official client ends the iteration quietly when its signal aborts.
    for await (const chunk of stalled) {
      const delta = chunk.choices[0]?.delta as { reasoning_content?: string } | undefined;
      if (delta?.reasoning_content) controller.abort();
    }
    expect(controller.signal.aborted).toBe(true);

    const text = await scrapeUntil(
      (t) =>
        sampleValue(t, "thinkgate_client_aborts_total") >= 1 &&
        sampleValue(t, "thinkgate_requests_in_flight") === 0,
    );
    const res = await scrape();
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");

    const checked = await promtoolCheck(text);
    expect(checked.output).toBe("");
    expect(checked.code).toBe(0);

    const door = { door: "chat_completions" };
    expect(
      sampleValue(text, "thinkgate_requests_total", {
        ...door,
        model: "good",
        backend: "emu",
        status: "200",
        outcome: "done",
      }),
    ).toBe(3); // streamed, non-streamed, the limited key's first
    expect(
      sampleValue(text, "thinkgate_requests_total", { model: "failover", outcome: "done" }),
    ).toBe(1);
    expect(sampleValue(text, "thinkgate_requests_total", { status: "404" })).toBe(1);
    expect(sampleValue(text, "thinkgate_requests_total", { status: "429" })).toBe(1);
    expect(
      sampleValue(text, "thinkgate_requests_total", { model: "good", outcome: "aborted" }),
    ).toBe(1);
    expect(sampleValue(text, "thinkgate_limiter_refusals_total", { limit: "rpm" })).toBe(1);
    expect(
      sampleValue(text, "thinkgate_client_aborts_total", {
        ...door,
        model: "good",
        stage: "after_first_token",
      }),
    ).toBe(1);

    // Tokens as the emulator reported them: two requests on "good" with the usage spec.
    const tokens = { gen_ai_request_model: "good", gen_ai_operation_name: "chat" };
    const input = { ...tokens, gen_ai_token_type: "input", gen_ai_provider_name: "openai" };
    expect(sampleValue(text, "gen_ai_client_token_usage_count", input)).toBeGreaterThanOrEqual(2);
    expect(
      sampleValue(text, "gen_ai_client_token_usage_sum", {
        gen_ai_request_model: "failover",
        gen_ai_token_type: "output",
      }),
    ).toBe(usage.completion);
    expect(
      sampleValue(text, "thinkgate_reasoning_token_usage_sum", {
        gen_ai_request_model: "failover",
      }),
    ).toBe(usage.reasoning);

    // The failover: "nowhere" refused the connection, then "emu" served.
    expect(
      sampleValue(text, "thinkgate_failovers_total", { model: "failover", backend: "nowhere" }),
    ).toBe(1);
    expect(
      sampleValue(text, "thinkgate_upstream_attempts_total", {
        backend: "nowhere",
        result: "failed",
      }),
    ).toBe(1);
    expect(
      sampleValue(text, "thinkgate_upstream_attempt_duration_seconds_count", {
        backend: "emu",
        result: "served",
      }),
    ).toBe(5);
    expect(
      sampleValue(text, "thinkgate_breaker_state", { backend: "nowhere", state: "closed" }),
    ).toBe(1);

    // Durations: every request for "good" (the refused one too); first tokens for the other 4.
    expect(
      sampleValue(text, "gen_ai_server_request_duration_seconds_count", {
        gen_ai_request_model: "good",
      }),
    ).toBe(5);
    expect(
      sampleValue(text, "gen_ai_server_time_to_first_token_seconds_count", {
        gen_ai_request_model: "good",
      }),
    ).toBe(4);
    expect(sampleValue(text, "thinkgate_open_streams", door)).toBe(0);
    // The rpm limit asked the store (memory here) on each of the limited key's requests.
    expect(
      sampleValue(text, "thinkgate_store_operation_duration_seconds_count", {
        operation: "slidingWindow",
      }),
    ).toBeGreaterThanOrEqual(2);
  }, 60_000);
});
