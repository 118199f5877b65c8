// Retries, timeouts and aborts against a real HTTP server: what is retried (only before the
// first byte), how long it waits, and that the connection really closes when the caller leaves.
import { getEventListeners } from "node:events";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, inject, it, vi } from "vitest";
import {
  APIConnectionError,
  APITimeoutError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  Thinkgate,
  ThinkgateError,
} from "../src/index.js";
import {
  chunk,
  type LocalServer,
  okStream,
  sendError,
  sendSSE,
  serve,
  sse,
} from "./local-server.js";
import { run } from "./run.js";

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const params = { model: "m", messages: [{ role: "user" as const, content: "hi" }] };
const tg = (options: Partial<ConstructorParameters<typeof Thinkgate>[0]> = {}) =>
  new Thinkgate({ baseURL: server!.url, apiKey: "sk-1", ...options });

describe("retries", () => {
  it("waits out Retry-After on a 429, then succeeds", async () => {
    server = await serve((_req, res, hit) =>
      hit === 0 ? sendError(res, 429, { "retry-after": "1" }) : sendSSE(res, okStream),
    );
    const result = await tg().chat.create(params);
    expect(result).toMatchObject({
      reasoning: "Thinking.",
      content: "Answer.",
      finishReason: "stop",
    });
    expect(server.hits).toHaveLength(2);
    // Honoured, not merely retried: the second request came at least ~1 s later.
    expect(server.hits[1]!.at - server.hits[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it("retries 5xx twice with backoff, then succeeds", async () => {
    server = await serve((_req, res, hit) =>
      hit < 2 ? sendError(res, hit === 0 ? 500 : 503) : sendSSE(res, okStream),
    );
    const result = await tg().chat.create(params);
    expect(result.content).toBe("Answer.");
    expect(server.hits).toHaveLength(3);
  });

  it("gives up after maxRetries with the last error", async () => {
    server = await serve((_req, res) => sendError(res, 502, { "retry-after-ms": "10" }));
    const failure = await tg({ maxRetries: 1 })
      .chat.create(params)
      .catch((e) => e);
    expect(failure).toBeInstanceOf(InternalServerError);
    expect(failure).toMatchObject({ status: 502, code: "e502", requestId: "req-502" });
    expect(server.hits).toHaveLength(2);
  });

  it("does not retry after the first byte: a stream cut mid-way fails once", async () => {
    server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(sse([chunk({ reasoning_content: "Half a tho" })]));
      setTimeout(() => res.destroy(), 20);
    });
    const stream = tg().chat.stream(params);
    const seen: string[] = [];
    const failure = await (async () => {
      for await (const ev of stream) if (ev.type === "reasoning") seen.push(ev.delta);
    })().catch((e) => e);
    expect(seen.join("")).toBe("Half a tho");
    expect(failure).toBeInstanceOf(ThinkgateError);
    expect(server.hits).toHaveLength(1);
  });

  it("does not retry client errors, and maps each status to its class", async () => {
    const cases = [
      [400, BadRequestError],
      [401, AuthenticationError],
      [403, PermissionDeniedError],
      [404, NotFoundError],
      [413, BadRequestError],
      [422, BadRequestError],
    ] as const;
    for (const [status, type] of cases) {
      server = await serve((_req, res) => sendError(res, status));
      const failure = await tg()
        .chat.create(params)
        .catch((e) => e);
      expect(failure).toBeInstanceOf(type);
      expect(failure).toMatchObject({ status, type: "test_error", requestId: `req-${status}` });
      expect(failure.message).toBe(`failed with ${status}`);
      expect(server.hits).toHaveLength(1);
      await server.close();
      server = undefined;
    }
  });

  it("exposes retryAfter on a RateLimitError it could not wait out", async () => {
    server = await serve((_req, res) => sendError(res, 429, { "retry-after": "7" }));
    const failure = await tg({ maxRetries: 0 })
      .chat.create(params)
      .catch((e) => e);
    expect(failure).toBeInstanceOf(RateLimitError);
    expect(failure.retryAfter).toBe(7);
  });

  it("reads non-OpenAI error bodies without crashing", async () => {
    server = await serve((_req, res) => {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "Unauthorized" })); // vLLM's --api-key middleware
    });
    const failure = await tg()
      .chat.create(params)
      .catch((e) => e);
    expect(failure).toBeInstanceOf(AuthenticationError);
    expect(failure.message).toBe("Unauthorized");
  });

  it("retries a refused connection, then reports an APIConnectionError", async () => {
    server = await serve(() => {});
    const url = server.url;
    await server.close();
    server = undefined;
    const client = new Thinkgate({ baseURL: url, maxRetries: 1 });
    const failure = await client.chat.create(params).catch((e) => e);
    expect(failure).toBeInstanceOf(APIConnectionError);
    expect(failure).not.toBeInstanceOf(APITimeoutError);
  });

  it("sends the key, default and per-request headers", async () => {
    server = await serve((_req, res) => sendSSE(res, okStream));
    await tg({ defaultHeaders: { "x-team": "a" } }).chat.create(params, {
      headers: { "x-trace": "t" },
    });
    expect(server.hits[0]!.headers).toMatchObject({
      authorization: "Bearer sk-1",
      "x-team": "a",
      "x-trace": "t",
      accept: "text/event-stream",
    });
    expect(server.hits[0]!.path).toBe("/v1/chat/completions");
  });
});

describe("timeouts", () => {
  it("times out waiting for headers (and retries that too)", async () => {
    server = await serve(() => {}); // never answers
    const failure = await tg({ timeout: 100, maxRetries: 1 })
      .chat.create(params)
      .catch((e) => e);
    expect(failure).toBeInstanceOf(APITimeoutError);
    expect(server.hits).toHaveLength(2);
    expect(await server.hits[0]!.closed).toBe(true);
  });

  it("times out when a stream goes quiet mid-way, and closes the connection", async () => {
    server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(sse([chunk({ reasoning_content: "Started" })]));
    });
    const stream = tg({ timeout: 150 }).chat.stream(params);
    const failure = await stream.final().catch((e) => e);
    expect(failure).toBeInstanceOf(APITimeoutError);
    expect(await server.hits[0]!.closed).toBe(true);
    expect(server.hits).toHaveLength(1);
  });

  it("keeps a slow but steady stream alive: the timeout is per gap, not in total", async () => {
    server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      const parts = okStream.split("\n\n").filter(Boolean);
      let i = 0;
      const timer = setInterval(() => {
        if (i < parts.length) res.write(`${parts[i++]}\n\n`);
        else {
          clearInterval(timer);
          res.end();
        }
      }, 250);
    });
    // 5 gaps of 250 ms = 1250 ms in total, more than the 1000 ms timeout; each gap a quarter of
    // it, so that a loaded machine's pauses do not make one gap a timeout.
    const result = await tg({ timeout: 1000 }).chat.create(params);
    expect(result.content).toBe("Answer.");
  });
});

describe("aborts", () => {
  const slowStream = (res: import("node:http").ServerResponse) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(sse([chunk({ reasoning_content: "Thinking" })]));
    const timer = setInterval(() => res.write(sse([chunk({ reasoning_content: "." })])), 20);
    res.on("close", () => clearInterval(timer));
  };

  it("an AbortSignal stops the stream and closes the connection", async () => {
    server = await serve((_req, res) => slowStream(res));
    const controller = new AbortController();
    const stream = tg().chat.stream(params, { signal: controller.signal });
    let n = 0;
    const failure = await (async () => {
      for await (const _ of stream) if (++n === 3) controller.abort();
    })().catch((e) => e);
    expect(failure).toBeInstanceOf(APIUserAbortError);
    expect(await server.hits[0]!.closed).toBe(true);
  });

  it("stream.abort() does the same from outside the loop", async () => {
    server = await serve((_req, res) => slowStream(res));
    const stream = tg().chat.stream(params);
    setTimeout(() => stream.abort(), 50);
    await expect(stream.final()).rejects.toBeInstanceOf(APIUserAbortError);
    expect(await server.hits[0]!.closed).toBe(true);
  });

  it("breaking out of the loop closes the connection; final() then says the stream was left", async () => {
    server = await serve((_req, res) => slowStream(res));
    const stream = tg().chat.stream(params);
    for await (const ev of stream) if (ev.type === "reasoning") break;
    expect(await server.hits[0]!.closed).toBe(true);
    await expect(stream.final()).rejects.toBeInstanceOf(APIUserAbortError);
  });

  it("a long-lived signal collects no listeners from finished or failed requests", async () => {
    server = await serve((req, res) =>
      req.url?.endsWith("/models") ? sendError(res, 404) : sendSSE(res, okStream),
    );
    const controller = new AbortController();
    const client = tg();
    for (let i = 0; i < 5; i++) {
      await client.chat.create(params, { signal: controller.signal });
      const stream = client.chat.stream(params, { signal: controller.signal });
      for await (const _ of stream) break;
      await client.models.list({ signal: controller.signal }).catch(() => {});
    }
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("an already-aborted signal never sends the request", async () => {
    server = await serve((_req, res) => sendSSE(res, okStream));
    const failure = await tg()
      .chat.create(params, { signal: AbortSignal.abort() })
      .catch((e) => e);
    expect(failure).toBeInstanceOf(APIUserAbortError);
    expect(server.hits).toHaveLength(0);
  });

  it("aborting during a retry's backoff stops at once", async () => {
    const local = await serve((_req, res) => sendError(res, 503, { "retry-after": "30" }));
    server = local;
    const controller = new AbortController();
    const pending = tg().chat.create(params, { signal: controller.signal });
    // Once the server has the first attempt (a delay could land before it on a loaded machine).
    await vi.waitFor(() => expect(local.hits).toHaveLength(1), { timeout: 10_000 });
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(APIUserAbortError);
    expect(server.hits).toHaveLength(1);
  });
});

describe("bad responses", () => {
  it("a body that is not SSE JSON fails with a clear error, not a crash", async () => {
    server = await serve((_req, res) => sendSSE(res, "data: {not json\n\n"));
    const failure = await tg()
      .chat.create(params)
      .catch((e) => e);
    expect(failure).toBeInstanceOf(ThinkgateError);
    expect(failure.message.length).toBeGreaterThan(0);
  });

  it("a stream that ends without [DONE] or a finish reason is truncated, not complete", async () => {
    server = await serve((_req, res) =>
      sendSSE(res, sse([chunk({ reasoning_content: "Thinking" }), chunk({ content: "Ans" })])),
    );
    const failure = await tg()
      .chat.create(params)
      .catch((e) => e);
    expect(failure).toBeInstanceOf(ThinkgateError);
    expect(failure.code).toBe("stream_truncated");
  });

  it("reads a server that ignored stream:true and sent one JSON completion", async () => {
    server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          id: "c",
          object: "chat.completion",
          choices: [
            {
              index: 0,
              message: { role: "assistant", content: "<think>Hm.</think>Yes." },
              finish_reason: "stop",
            },
          ],
          usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
        }),
      );
    });
    expect(await tg().chat.create(params)).toEqual({
      reasoning: "Hm.",
      content: "Yes.",
      toolCalls: [],
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
      finishReason: "stop",
    });
  });

  it("models.list() rejects a body without data", async () => {
    server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
    await expect(tg().models.list()).rejects.toThrow(/data array/);
  });

  it("the constructor says what is missing", () => {
    expect(() => new Thinkgate({} as never)).toThrow(/baseURL is required/);
  });
});

describe("clean-up", () => {
  const headersThenSilence = (res: import("node:http").ServerResponse) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(sse([chunk({ reasoning_content: "Thinking" })]));
  };

  it("a stream aborted after its response arrived, but before anyone read it, closes the connection", async () => {
    server = await serve((_req, res) => headersThenSilence(res));
    const stream = tg().chat.stream(params);
    while (server.hits.length === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50)); // the headers are back
    stream.abort();
    expect(await server.hits[0]!.closed).toBe(true);
    await expect(stream.final()).rejects.toBeInstanceOf(APIUserAbortError);
  });

  it("a process that aborted its stream exits: no 10-minute watchdog keeps it alive", async () => {
    server = await serve((_req, res) => headersThenSilence(res));
    const dist = pathToFileURL(join(inject("packageDir"), "dist/index.js")).href;
    const script = `
      const { Thinkgate } = await import(${JSON.stringify(dist)});
      const stream = new Thinkgate({ baseURL: ${JSON.stringify(server.url)} }).chat.stream(${JSON.stringify(params)});
      await new Promise((r) => setTimeout(r, 100));
      stream.abort();
      console.log(await stream.final().catch((e) => e.name));
    `;
    const out = await run("node", ["--input-type=module", "-e", script], { timeoutMs: 60_000 });
    expect(out.stdout.trim()).toBe("APIUserAbortError");
    expect(out.code).toBe(0);
  });
});
