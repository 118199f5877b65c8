import { type Emulator, startEmulator } from "@thinkgate/emulator";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emulatedConfig } from "../src/emulated-config.js";
import { type RunningServer, startServer } from "../src/server.js";
import { ask } from "./harness.js";
import { type PrometheusServer, startPrometheus } from "./support/prometheus-server.js";

// A real prometheus server scraping the Node gateway's metrics listener while the emulator
// serves traffic; its query API must see the counts the traffic implies.

let emulator: Emulator;
let server: RunningServer;
let prometheus: PrometheusServer | undefined;

beforeAll(async () => {
  emulator = await startEmulator();
  server = await startServer({
    config: emulatedConfig(emulator.url, {
      server: { host: "127.0.0.1", auth: "none" },
      metrics: { listen: { host: "127.0.0.1", port: 0 } },
      backends: { emu: { type: "openai-compatible", baseUrl: `${emulator.url}/vllm/v1` } },
      models: { scraped: { targets: [{ backend: "emu", model: "Qwen/QwQ-32B" }] } },
    }),
    port: 0,
  });
  const metricsUrl = new URL(server.metricsUrl ?? "");
  prometheus = await startPrometheus(metricsUrl.host);
}, 120_000);

afterAll(async () => {
  await prometheus?.stop();
  await server?.close();
  await emulator?.close();
});

describe("a real Prometheus server", () => {
  it("scrapes the metrics listener, which needs no token and serves nothing else", async () => {
    const metricsUrl = server.metricsUrl ?? "";
    expect((await fetch(metricsUrl)).status).toBe(200);
    expect((await fetch(metricsUrl.replace(/\/metrics$/, "/v1/models"))).status).toBe(404);
    // The gateway's own port does not serve metrics when they have a listener of their own.
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    await prometheus?.waitFor('up{job="thinkgate"}', (v) => v === 1);
  }, 120_000);

  it("sees the requests and tokens of the traffic the emulator served", async () => {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "anonymous", maxRetries: 0 });
    const usage = { prompt: 13, completion: 40, reasoning: 25 };
    const answers = 6;
    for (let i = 0; i < answers; i++) {
      if (i % 2 === 0) {
        await client.chat.completions.create({ model: "scraped", messages: ask({ usage }) });
      } else {
        const stream = await client.chat.completions.create({
          model: "scraped",
          stream: true,
          messages: ask({ usage }),
        });
        for await (const _ of stream) {
          // drained
        }
      }
    }
    await expect(
      client.chat.completions.create({ model: "missing", messages: ask() }),
    ).rejects.toMatchObject({ status: 404 });

    const p = prometheus as PrometheusServer;
    await p.waitFor(
      'sum(thinkgate_requests_total{door="chat_completions",model="scraped",backend="emu",status="200",outcome="done"})',
      (v) => v === answers,
    );
    await p.waitFor('sum(thinkgate_requests_total{status="404"})', (v) => v === 1);
    await p.waitFor(
      'sum(gen_ai_client_token_usage_sum{gen_ai_request_model="scraped",gen_ai_token_type="input"})',
      (v) => v === answers * usage.prompt,
    );
    await p.waitFor(
      'sum(thinkgate_reasoning_token_usage_sum{gen_ai_request_model="scraped"})',
      (v) => v === answers * usage.reasoning,
    );
    await p.waitFor(
      'sum(gen_ai_server_time_to_first_token_seconds_count{gen_ai_request_model="scraped"})',
      (v) => v === answers,
    );
    await p.waitFor('thinkgate_breaker_state{backend="emu",state="closed"}', (v) => v === 1);
  }, 180_000);
});
