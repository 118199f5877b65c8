import { describe, expect, it } from "vitest";
import { createApp, parseConfig } from "../src/index.js";

// Upstreams that misbehave in the ways peer gateways' users keep reporting.
function upstreamSending(text: string | (() => ReadableStream<Uint8Array>)) {
  return (async () =>
    new Response(typeof text === "string" ? text : text(), {
      headers: { "content-type": "text/event-stream" },
    })) as unknown as typeof fetch;
}

const config = parseConfig(
  {
    server: { auth: "none" },
    backends: {
      up: { type: "openai-compatible", baseUrl: "http://up.test/v1", idleTimeoutMs: 200 },
    },
    models: { m: { targets: [{ backend: "up", model: "m" }] } },
  },
  {},
);

function ask(
  app: ReturnType<typeof createApp>,
  stream: boolean,
  extra: Record<string, unknown> = {},
) {
  return app.request("/v1/chat/completions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      model: "m",
      stream,
      messages: [{ role: "user", content: "hi" }],
      ...extra,
    }),
  });
}

const chunk = (delta: unknown, finish: string | null = null) =>
  `data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":${JSON.stringify(delta)},"finish_reason":${JSON.stringify(finish)}}]}\n\n`;

describe("streams from misbehaving upstreams", () => {
  it("a malformed event becomes an in-band error, never a crash or a clean [DONE]", async () => {
    const app = createApp({
      config,
      fetch: upstreamSending(
        `${chunk({ content: "ok" })}data: {"choices": [\n\n${chunk({}, "stop")}data: [DONE]\n\n`,
      ),
    });
    const res = await ask(app, true);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('"content":"ok"');
    expect(text).toMatch(/data: \{"error":/);
    expect(text).not.toContain("[DONE]");
    // and the gateway keeps serving
    const next = createApp({
      config,
      fetch: upstreamSending(`${chunk({ content: "fine" })}${chunk({}, "stop")}data: [DONE]\n\n`),
    });
    expect((await ask(next, false)).status).toBe(200);
  });

  it("tolerates comments, empty choices, usage-only chunks, CRLF and multi-line data", async () => {
    const usage =
      'data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}';
    const body =
      ": keep-alive\r\n\r\n" +
      chunk({ reasoning_content: "think" }).replaceAll("\n", "\r\n") +
      'data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m",\ndata: "choices":[{"index":0,"delta":{"content":"answer"},"finish_reason":null}]}\n\n' +
      'data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[]}\n\n' +
      chunk({}, "stop") +
      `${usage}\n\n` +
      "data: [DONE]\n\n";
    const app = createApp({ config, fetch: upstreamSending(body) });
    const res = await ask(app, false);
    const json = (await res.json()) as {
      choices: Array<{ message: Record<string, unknown> }>;
      usage: Record<string, unknown>;
    };
    expect(json.choices[0]?.message).toMatchObject({
      content: "answer",
      reasoning_content: "think",
    });
    expect(json.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 4 });
  });

  it("an upstream that answers one JSON document instead of a stream is an upstream error", async () => {
    const json = (async () =>
      new Response(
        JSON.stringify({
          error: { message: "model overloaded, see https://internal.example", code: "overloaded" },
        }),
        {
          headers: { "content-type": "application/json" },
        },
      )) as unknown as typeof fetch;
    const res = await ask(createApp({ config, fetch: json }), true);
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { message: string; code: string } };
    expect(body.error.message).toContain("model overloaded");
    expect(body.error.message).not.toContain("internal.example");
    expect(body.error.code).toBe("overloaded");
  });

  it("an upstream that ends without [DONE] or a finish reason is an error, not an answer", async () => {
    const app = createApp({ config, fetch: upstreamSending(chunk({ content: "half an ans" })) });
    const res = await ask(app, false);
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("stream_truncated");
  });

  it("usage reaches the client only when it asked, estimated and marked so when upstream had none", async () => {
    const body = `${chunk({ content: "four score" })}${chunk({}, "stop")}data: [DONE]\n\n`;
    const asked = await (
      await ask(createApp({ config, fetch: upstreamSending(body) }), true, {
        stream_options: { include_usage: true },
      })
    ).text();
    expect(asked).toMatch(
      /"usage":\{"prompt_tokens":\d+,"completion_tokens":\d+,"total_tokens":\d+,[^\n]*"estimated":true/,
    );
    const silent = await (
      await ask(createApp({ config, fetch: upstreamSending(body) }), true)
    ).text();
    expect(silent).not.toContain('"usage":{');
    expect(silent).toContain("[DONE]");
  });

  it("a stream that stalls mid-way ends with an idle-timeout error event", async () => {
    const encoder = new TextEncoder();
    let cancelled = false;
    const stalled = () =>
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(encoder.encode(chunk({ content: "start" })));
        },
        cancel() {
          cancelled = true;
        },
      });
    const app = createApp({ config, fetch: upstreamSending(stalled) });
    const text = await (await ask(app, true)).text();
    expect(text).toContain('"content":"start"');
    expect(text).toMatch(/"code":"upstream_idle_timeout"/);
    expect(text).not.toContain("[DONE]");
    expect(cancelled).toBe(true);
  });
});
