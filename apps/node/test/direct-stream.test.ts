import { request } from "node:http";
import { emuPrompt } from "@thinkgate/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./harness.js";

// On Node the gateway writes streaming answers straight to the connection once the app's
// response is final (DirectBody in @thinkgate/gateway/node). What every middleware adds must
// still go out, a slow reader must get every byte (backpressure), and an error is still JSON.

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    server: {
      host: "127.0.0.1",
      auth: "none",
      cors: { origins: ["https://app.test"] },
      maxBodyBytes: 8 * 1024 * 1024, // the backpressure test sends its 2 MB answer in the prompt
    },
  });
});
afterAll(() => h.close());

const streamBody = (spec: Parameters<typeof emuPrompt>[0], model = "qwq-32b") =>
  JSON.stringify({ model, stream: true, messages: [{ role: "user", content: emuPrompt(spec) }] });

/** A streaming POST read with node:http, optionally pausing before reading on. */
function post(body: string, pauseMs = 0) {
  const url = new URL(`${h.server.url}/v1/chat/completions`);
  return new Promise<{ status: number; headers: Record<string, unknown>; text: string }>(
    (resolve, reject) => {
      const req = request(
        url,
        {
          method: "POST",
          headers: { "content-type": "application/json", origin: "https://app.test" },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          if (pauseMs > 0) {
            res.pause();
            setTimeout(() => res.resume(), pauseMs);
          }
          res.on("data", (d: string) => {
            text += d;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    },
  );
}

function reasoningOf(sse: string): string {
  let out = "";
  for (const line of sse.split("\n")) {
    if (!line.startsWith("data: {")) continue;
    const chunk = JSON.parse(line.slice(6)) as {
      choices: { delta?: { reasoning_content?: string | null } }[];
    };
    out += chunk.choices[0]?.delta?.reasoning_content ?? "";
  }
  return out;
}

describe("streaming answers written straight to the connection", () => {
  it("carry every header the middlewares add: request id, backend, attempts, timing, CORS", async () => {
    const res = await post(streamBody({ reasoning: "think ", content: "answer", chunks: 3 }));
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    expect(res.headers["x-request-id"]).toMatch(/\S/);
    expect(res.headers["x-thinkgate-backend"]).toBe("emu-dashscope");
    expect(res.headers["x-thinkgate-attempts"]).toBe("1");
    expect(res.headers["server-timing"]).toMatch(/^gateway;dur=/);
    expect(res.headers["access-control-allow-origin"]).toBe("https://app.test");
    expect(res.text.trimEnd().endsWith("data: [DONE]")).toBe(true);
    expect(reasoningOf(res.text)).toBe("think ");
  });

  it("give a reader that stops reading every byte once it reads on (backpressure)", async () => {
    // About 2 MB of reasoning in 4,000 chunks: far more than the socket buffers hold.
    const reasoning = "0123456789abcdef".repeat(128 * 1024);
    const res = await post(streamBody({ reasoning, content: "done", chunks: 4000 }), 300);
    expect(res.status).toBe(200);
    expect(reasoningOf(res.text)).toBe(reasoning);
    expect(res.text.trimEnd().endsWith("data: [DONE]")).toBe(true);
  });

  it("answer a request that fails before streaming with a JSON error, not a stream", async () => {
    const res = await post(streamBody({}, "no-such-model"));
    expect(res.status).toBe(404);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(res.text)).toMatchObject({ error: { code: "model_not_found" } });
    expect(res.headers["x-request-id"]).toMatch(/\S/);
  });
});
