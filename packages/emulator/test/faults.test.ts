import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DIALECTS, type Emulator, type EmuSpec, emuPrompt, startEmulator } from "../src/index.js";
import { chat, dataEvents, rawPost, stable } from "./raw-client.js";

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.close());

const url = (prefix: string) => `${emu.url}${prefix}/chat/completions`;
const ds = "/dashscope/compatible-mode/v1";
const streamed = (spec: EmuSpec, extra: Record<string, unknown> = {}) =>
  chat(emuPrompt(spec), { stream: true, stream_options: { include_usage: true }, ...extra });

describe("status", () => {
  const cases: [string, number, string][] = [
    [
      ds,
      401,
      '{"error":{"message":"Incorrect API key provided. For details, see: https://help.aliyun.com/zh/model-studio/error-code#apikey-error","type":"invalid_request_error","param":null,"code":"invalid_api_key"},"request_id":"RID"}',
    ],
    [
      ds,
      429,
      '{"error":{"message":"You have exceeded your current request limit. For details, see: https://help.aliyun.com/zh/model-studio/error-code#rate-limit","type":"limit_requests","param":null,"code":"limit_requests"},"request_id":"RID"}',
    ],
    ["/vllm/v1", 401, '{"error":"Unauthorized"}'],
    [
      "/vllm/v1",
      503,
      '{"error":{"message":"ServiceUnavailableError: request failed with status 503","type":"ServiceUnavailableError","param":null,"code":503}}',
    ],
    [
      "/sglang/v1",
      400,
      '{"object":"error","message":"request failed with status 400","type":"BadRequestError","param":null,"code":400}',
    ],
    [
      "/ollama/v1",
      500,
      '{"error":{"message":"request failed with status 500","type":"api_error","param":null,"code":null}}',
    ],
    [
      "/llamacpp/v1",
      503,
      '{"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}',
    ],
  ];
  it.each(cases)("%s %i answers with the backend's error body", async (prefix, status, body) => {
    const res = await rawPost(url(prefix), streamed({ status }));
    expect(res.status).toBe(status);
    expect(res.headers["content-type"]).toBe("application/json");
    expect(stable(res.text)).toBe(body);
    expect(res.headers["retry-after"]).toBeUndefined();
  });

  it("sends Retry-After with the status when asked", async () => {
    const res = await rawPost(url(ds), streamed({ status: 429, retryAfter: 7 }));
    expect(res.status).toBe(429);
    expect(res.headers["retry-after"]).toBe("7");
    expect(JSON.parse(res.text).error.code).toBe("limit_requests");
  });

  it("applies to non-streaming requests too", async () => {
    const res = await rawPost(url("/vllm/v1"), chat(emuPrompt({ status: 500 })));
    expect(res.status).toBe(500);
    expect(JSON.parse(res.text).error.type).toBe("InternalServerError");
  });
});

describe("cut", () => {
  it.each(DIALECTS.map((d) => [d.name, d.prefix]))(
    "%s: drops the socket after N events, no [DONE]",
    async (_, prefix) => {
      const res = await rawPost(url(prefix), streamed({ cut: 3 }));
      expect(res.status).toBe(200);
      expect(res.aborted).toBe(true);
      expect(dataEvents(res.text)).toHaveLength(3);
      expect(res.text).not.toContain("[DONE]");
      const record = emu.requests.at(-1)!;
      await record.done;
      expect(record.closedByClient).toBe(false);
    },
  );

  it("past the last event still strikes before [DONE]", async () => {
    const res = await rawPost(url("/vllm/v1"), streamed({ cut: 1000, chunks: 1 }));
    expect(res.aborted).toBe(true);
    expect(res.text).toContain('"finish_reason":"stop"');
    expect(res.text).not.toContain("[DONE]");
  });

  it("on a non-streaming request drops the socket without a response", async () => {
    await expect(rawPost(url("/vllm/v1"), chat(emuPrompt({ cut: 0 })))).rejects.toThrow(
      /socket hang up/,
    );
  });
});

describe("errorEvent", () => {
  it("DashScope: the moderation error event after N chunks, then a clean close without [DONE]", async () => {
    const res = await rawPost(url(ds), streamed({ errorEvent: 2 }));
    expect(res.aborted).toBe(false);
    const frames = res.text.split("\n\n").filter(Boolean);
    expect(frames).toHaveLength(3);
    expect(frames[2]).toBe(
      'data: {"error":{"message":"Output data may contain inappropriate content.","type":"data_inspection_failed","param":null,"code":"data_inspection_failed"}}',
    );
  });

  it("vLLM: its nested error shape", async () => {
    const res = await rawPost(url("/vllm/v1"), streamed({ errorEvent: 1 }));
    const events = dataEvents(res.text) as Record<string, unknown>[];
    expect(events).toHaveLength(2);
    expect(events[1]).toEqual({
      error: {
        message: "Request failed during generation: engine error",
        type: "InternalServerError",
        param: null,
        code: 500,
      },
    });
    expect(res.text).not.toContain("[DONE]");
  });

  it.each(DIALECTS.map((d) => [d.name, d.prefix]))(
    "%s: ends with an error object and no [DONE]",
    async (_, prefix) => {
      const res = await rawPost(url(prefix), streamed({ errorEvent: 0 }));
      const events = dataEvents(res.text) as Record<string, unknown>[];
      expect(events).toHaveLength(1);
      expect(events[0]!.error ?? events[0]!.object).toBeTruthy();
      expect(res.text).not.toContain("[DONE]");
    },
  );

  it("non-streaming: the error as an HTTP error", async () => {
    const res = await rawPost(url(ds), chat(emuPrompt({ errorEvent: 0 }), { model: "qwen-plus" }));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error.code).toBe("data_inspection_failed");
  });
});

describe("hang", () => {
  it('"headers": never answers; the request is logged as closed by the client once it leaves', async () => {
    const seen = emu.requests.length;
    const controller = new AbortController();
    const pending = fetch(url("/vllm/v1"), {
      method: "POST",
      body: JSON.stringify(streamed({ hang: "headers" })),
      signal: controller.signal,
    });
    // Wait until the emulator holds the request (body read), then give up on it.
    while (emu.requests.length === seen || emu.requests.at(-1)!.body === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const record = emu.requests.at(-1)!;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(record.closedAt).toBeUndefined(); // nothing was sent, nothing ended
    const leftAt = Date.now();
    controller.abort();
    await expect(pending).rejects.toThrow();
    await record.done;
    expect(record.closedByClient).toBe(true);
    expect(record.closedAt).toBeGreaterThanOrEqual(leftAt);
  });

  it("after N chunks: stalls with the stream open", async () => {
    const controller = new AbortController();
    const res = await fetch(url(ds), {
      method: "POST",
      body: JSON.stringify(streamed({ hang: 2 })),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while ((text.match(/\n\n/g) ?? []).length < 2) {
      const { value } = await reader.read();
      text += decoder.decode(value, { stream: true });
    }
    const next = await Promise.race([
      reader.read().then(() => "more"),
      new Promise((resolve) => setTimeout(() => resolve("stalled"), 150)),
    ]);
    expect(next).toBe("stalled");
    expect(dataEvents(text)).toHaveLength(2);
    const record = emu.requests.at(-1)!;
    expect(record.closedAt).toBeUndefined();
    controller.abort();
    await record.done;
    expect(record.closedByClient).toBe(true);
  });
});

describe("heartbeat (keepAliveEveryMs)", () => {
  it("keeps a stalled stream alive in bytes, dead in data", async () => {
    const controller = new AbortController();
    const res = await fetch(url("/vllm/v1"), {
      method: "POST",
      body: JSON.stringify(streamed({ hang: 1, keepAliveEveryMs: 10 })),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while ((text.match(/: keep-alive\n\n/g) ?? []).length < 4) {
      text += decoder.decode((await reader.read()).value, { stream: true });
    }
    expect(dataEvents(text)).toHaveLength(1);
    const record = emu.requests.at(-1)!;
    controller.abort();
    await record.done;
    expect(record.closedByClient).toBe(true);
  });

  it("never lands inside a frame, split ones included", async () => {
    const res = await rawPost(
      url(ds),
      streamed({
        chunks: 20,
        chunkDelayMs: 3,
        keepAliveEveryMs: 1,
        usage: { prompt: 1, completion: 1 },
      }),
    );
    const frames = res.text.split("\n\n").filter(Boolean);
    expect(frames.some((f) => f === ": keep-alive")).toBe(true);
    for (const frame of frames)
      expect(frame === ": keep-alive" || frame.startsWith("data: ")).toBe(true);
    expect(dataEvents(res.text)).toHaveLength(1 + 20 + 20 + 1 + 1);
    expect(res.text.endsWith("data: [DONE]\n\n")).toBe(true);
  });
});

describe("stream options", () => {
  it("keepAlive interleaves SSE comments and changes nothing else", async () => {
    const plain = await rawPost(url(ds), streamed({ usage: { prompt: 1, completion: 1 } }));
    const kept = await rawPost(
      url(ds),
      streamed({ keepAlive: true, usage: { prompt: 1, completion: 1 } }),
    );
    expect(kept.text).toContain(": keep-alive\n\n");
    expect(stable(kept.text.replaceAll(": keep-alive\n\n", ""))).toBe(stable(plain.text));
  });

  it("crlf ends every line with CRLF", async () => {
    const res = await rawPost(url("/sglang/v1"), streamed({ crlf: true }));
    expect(res.text).toMatch(/^data: .*\r\n\r\n/);
    expect(res.text.replaceAll("\r\n", "")).not.toContain("\n");
    expect(res.text.endsWith("data: [DONE]\r\n\r\n")).toBe(true);
  });

  it("noUsage omits the usage chunk even with include_usage", async () => {
    const res = await rawPost(url(ds), streamed({ noUsage: true }));
    expect(res.text).not.toContain('"choices":[]');
    expect(res.text).toContain("data: [DONE]");
    const body = await rawPost(url("/ollama/v1"), chat(emuPrompt({ noUsage: true })));
    expect(JSON.parse(body.text).usage).toBeUndefined();
  });

  it("usage counts, with reasoning tokens where the backend reports them", async () => {
    const res = await rawPost(
      url(ds),
      streamed({ usage: { prompt: 11, completion: 22, reasoning: 15 } }),
    );
    const last = dataEvents(res.text).at(-1) as { usage: unknown };
    expect(last.usage).toEqual({
      prompt_tokens: 11,
      completion_tokens: 22,
      total_tokens: 33,
      completion_tokens_details: { reasoning_tokens: 15 },
    });
  });

  it("estimates usage when the spec gives none", async () => {
    const res = await rawPost(url("/ollama/v1"), streamed({}));
    const usage = (dataEvents(res.text).at(-1) as { usage: Record<string, number> }).usage;
    expect(usage.prompt_tokens).toBeGreaterThan(0);
    expect(usage.completion_tokens).toBeGreaterThan(0);
    expect(usage.total_tokens).toBe(usage.prompt_tokens! + usage.completion_tokens!);
  });
});
