import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { KEYS, startGateway } from "./gateway-harness.js";

// The review's measured repro (M4): an upstream that answers 200 and puts an error in its
// stream, carrying an internal URL, a bearer token, a file path and a status of its choosing.
// Whatever it says, the client sees a scrubbed message and a status the gateway chose.

const leak =
  "engine crashed calling http://10.0.0.5:8000/internal with Bearer sk-live-abcdef1234567890 at /opt/vllm/engine.py:412";
const secrets = /10\.0\.0\.5|\/internal|sk-live|abcdef1234567890|\/opt\/vllm|engine\.py/;

const chunk = (delta: Record<string, unknown>) =>
  `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`;

/** An upstream whose stream carries `{"error": …}` with `code`, after `before` chunks. */
function inBandError(code: number, before: string[] = []) {
  return (async () => {
    const text = [
      ...before,
      `data: ${JSON.stringify({ error: { message: leak, type: "internal", code } })}\n\n`,
    ].join("");
    return new Response(text, { headers: { "content-type": "text/event-stream" } });
  }) as unknown as typeof fetch;
}

function gateway(fetchFn: typeof fetch) {
  return startGateway(
    {
      backends: { gpu: { type: "openai-compatible", baseUrl: "http://gpu.test/v1" } },
      models: { m: { targets: [{ backend: "gpu", model: "m" }] } },
    },
    { fetch: fetchFn },
  );
}

const ask = { model: "m", messages: [{ role: "user" as const, content: "hi" }] };
const midAnswer = [chunk({ role: "assistant", content: "Hel" }), chunk({ content: "lo" })];

describe("errors an upstream puts in its stream", () => {
  for (const code of [500, 401]) {
    it(`an opening in-band error with code ${code}: a scrubbed 502 for a non-streaming client`, async () => {
      const gw = gateway(inBandError(code));
      const res = await gw.post(ask);
      expect(res.status).toBe(502);
      const text = await res.text();
      expect(text).not.toMatch(secrets);
      // A 5xx keeps the upstream's words, scrubbed; a 401 is about the gateway's credentials.
      if (code === 500)
        expect(text).toContain("engine crashed calling [url] with Bearer [redacted] at [path]");
      else expect(text).toContain("upstream_auth_failed");
    });

    it(`an opening in-band error with code ${code}: a scrubbed 502 for a streaming client`, async () => {
      const gw = gateway(inBandError(code));
      const res = await gw.post({ ...ask, stream: true });
      expect(res.status).toBe(502);
      expect(await res.text()).not.toMatch(secrets);
    });

    it(`a mid-stream in-band error with code ${code}: scrubbed in the streamed error event`, async () => {
      const gw = gateway(inBandError(code, midAnswer));
      const res = await gw.post({ ...ask, stream: true });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain('"content":"Hel"');
      expect(text).toContain('"error"');
      expect(text).not.toMatch(secrets);
    });

    it(`a mid-stream in-band error with code ${code}: never the client's 401, and scrubbed, without streaming`, async () => {
      const gw = gateway(inBandError(code, midAnswer));
      const res = await gw.post(ask);
      expect(res.status).toBe(502);
      const body = (await res.json()) as { error: { type: string; message: string } };
      expect(body.error.type).toBe("upstream_error");
      expect(JSON.stringify(body)).not.toMatch(secrets);
    });
  }

  it("an official client is never told its own key is bad by an upstream's in-band 401", async () => {
    const gw = gateway(inBandError(401, midAnswer));
    const error = await gw
      .client(KEYS.anyone)
      .chat.completions.create(ask)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error).not.toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
  });

  it("an in-band 429 mid-answer comes back as 429 with Retry-After", async () => {
    const gw = gateway(inBandError(429, midAnswer));
    const res = await gw.post(ask);
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("1");
  });

  it("the log line keeps what the upstream said, minus its credentials", async () => {
    const gw = gateway(inBandError(500));
    const res = await gw.post(ask);
    const line = await gw.line(res.headers.get("x-request-id"));
    const [attempt] = line.attemptLog as Array<{ detail?: string }>;
    expect(attempt?.detail).toContain("http://10.0.0.5:8000/internal");
    expect(attempt?.detail).not.toContain("abcdef1234567890");
  });
});

describe("a request whose stream breaks on every backend", () => {
  it("is the request's fault: no backend's circuit opens for the next tenant", async () => {
    let poisoned = true;
    const fetchFn = (async (url: string, init?: RequestInit) => {
      if (poisoned && String(init?.body).includes("poison"))
        return inBandError(500)(url as never, init);
      const text = [
        chunk({ role: "assistant", content: "fine" }),
        `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}\n\n`,
        "data: [DONE]\n\n",
      ].join("");
      return new Response(text, { headers: { "content-type": "text/event-stream" } });
    }) as unknown as typeof fetch;
    const gw = startGateway(
      {
        backends: {
          a: { type: "openai-compatible", baseUrl: "http://a.test/v1" },
          b: { type: "openai-compatible", baseUrl: "http://b.test/v1" },
        },
        models: {
          m: {
            targets: [
              { backend: "a", model: "m" },
              { backend: "b", model: "m" },
            ],
          },
        },
        routing: { breaker: { failureThreshold: 1 }, retry: { maxAttempts: 2 } },
      },
      { fetch: fetchFn },
    );
    const bad = await gw.post({ model: "m", messages: [{ role: "user", content: "poison" }] });
    expect(bad.status).toBe(503);
    poisoned = false;
    const next = await gw.post({ model: "m", messages: [{ role: "user", content: "hello" }] });
    expect(next.status).toBe(200);
    expect(next.headers.get("x-thinkgate-backend")).toBe("a");
    const line = await gw.line(next.headers.get("x-request-id"));
    expect(line.attemptLog).toEqual([expect.objectContaining({ backend: "a", outcome: "served" })]);
  });
});
