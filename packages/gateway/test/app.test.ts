import { describe, expect, it } from "vitest";
import type { Tenancy, UsageEvent } from "../src/index.js";
import { createApp, parseConfig } from "../src/index.js";
import type { AdmitRequest, SettledUsage } from "../src/limits/types.js";

// An upstream answering in DashScope's wire format, recording what it was sent.
function sseUpstream(
  calls: Array<{ url: string; body: Record<string, unknown>; headers: Headers }>,
) {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const body = JSON.parse(String(init?.body)) as Record<string, unknown>;
    calls.push({ url, body, headers: new Headers(init?.headers) });
    if (url.includes("down")) throw new TypeError("fetch failed: ECONNREFUSED");
    if (url.includes("denied")) {
      return new Response(
        JSON.stringify({
          error: {
            message: "Incorrect API key provided: sk-abcdef123456",
            code: "invalid_api_key",
          },
        }),
        { status: 401 },
      );
    }
    if (url.includes("picky")) {
      return new Response(
        JSON.stringify({
          error: {
            message: "Range of input length should be [1, 30720], see https://help.example/x",
            code: "invalid_parameter_error",
          },
        }),
        { status: 400 },
      );
    }
    const chunk = (delta: unknown, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const text = [
      chunk({ role: "assistant", content: null, reasoning_content: "thinking" }),
      chunk({ content: "answer", reasoning_content: null }),
      chunk({ content: "" }, "stop"),
      `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: body.model, choices: [], usage: { prompt_tokens: 7, completion_tokens: 11, total_tokens: 18 } })}\n\n`,
      "data: [DONE]\n\n",
    ].join("");
    return new Response(text, { headers: { "content-type": "text/event-stream" } });
  }) as typeof fetch;
}

const config = parseConfig(
  {
    server: { maxBodyBytes: 4096 },
    backends: {
      up: { type: "openai-compatible", baseUrl: "http://up.test/v1", apiKey: "sk-upstream-secret" },
      down: { type: "openai-compatible", baseUrl: "http://down.test/v1" },
      denied: {
        type: "openai-compatible",
        baseUrl: "http://denied.test/v1",
        apiKey: "sk-upstream-secret",
      },
      picky: { type: "openai-compatible", baseUrl: "http://picky.test/v1" },
    },
    models: {
      qwq: {
        targets: [
          { backend: "down", model: "a" },
          { backend: "up", model: "Qwen/QwQ-32B" },
        ],
        aliases: ["qwq-32b"],
      },
      other: { targets: [{ backend: "up", model: "o" }] },
      denied: { targets: [{ backend: "denied", model: "d" }] },
      picky: { targets: [{ backend: "picky", model: "p" }] },
    },
    keys: [
      { key: "tg-alice-key-1", tenant: "alice", models: ["qwq", "denied", "picky"] },
      {
        keyHash: "sha256:07797ad9d5167bd6fda5c8d36e4beb9803d3e9ac7e10a6c818d9cf7b73dfefed",
        tenant: "bob",
      },
    ],
  },
  {},
);

function post(
  app: ReturnType<typeof createApp>,
  body: unknown,
  headers: Record<string, string> = {},
) {
  return app.request("/v1/chat/completions", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: "Bearer tg-alice-key-1",
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

const hello = { model: "qwq", messages: [{ role: "user", content: "hi" }] };

describe("the HTTP API through app.request()", () => {
  it("answers non-streaming requests from a streamed upstream, after falling back", async () => {
    const calls: Array<{ url: string; body: Record<string, unknown>; headers: Headers }> = [];
    const lines: Array<Record<string, unknown>> = [];
    const app = createApp({ config, fetch: sseUpstream(calls), log: (l) => lines.push(l) });
    const res = await post(
      app,
      { ...hello, reasoning_format: "reasoning" },
      { "x-request-id": "client-id-1" },
    );
    expect(res.status).toBe(200);
    const requestId = res.headers.get("x-request-id");
    expect(requestId).toMatch(/^req_[0-9a-f]{32}$/);
    expect(res.headers.get("x-thinkgate-backend")).toBe("up");
    expect(res.headers.get("server-timing")).toMatch(/^gateway;dur=[\d.]+, upstream;dur=[\d.]+$/);
    const json = (await res.json()) as {
      model: string;
      choices: Array<{ message: Record<string, unknown> }>;
      usage: Record<string, number>;
    };
    expect(json.model).toBe("qwq");
    expect(json.choices[0]?.message).toMatchObject({
      role: "assistant",
      content: "answer",
      reasoning: "thinking",
    });
    expect(json.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 11 });
    expect(calls.map((c) => c.url)).toEqual([
      "http://down.test/v1/chat/completions",
      "http://up.test/v1/chat/completions",
    ]);
    expect(calls[1]?.body).toMatchObject({
      model: "Qwen/QwQ-32B",
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(calls[1]?.body).not.toHaveProperty("reasoning_format");
    expect(calls[1]?.headers.get("authorization")).toBe("Bearer sk-upstream-secret");
    expect(calls[1]?.headers.get("x-request-id")).toBe(requestId);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      requestId,
      clientRequestId: "client-id-1",
      tenant: "alice",
      model: "qwq",
      backend: "up",
      attempts: 2,
      status: 200,
      promptTokens: 7,
      completionTokens: 11,
      outcome: "done",
    });
    expect(JSON.stringify(lines[0])).not.toContain("hi");
  });

  it("names every request itself, and logs a sane client request id beside its own", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const app = createApp({ config, fetch: sseUpstream([]), log: (l) => lines.push(l) });
    const insane = await post(app, hello, { "x-request-id": 'bad id\twith"quotes' });
    expect(insane.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{32}$/);
    // Two requests claiming one id still get two ids: a client cannot pass as another request.
    const first = await post(app, hello, { "x-request-id": "client-7" });
    const second = await post(app, hello, { "x-request-id": "client-7" });
    const ids = [first, second].map((r) => r.headers.get("x-request-id"));
    expect(ids[0]).toMatch(/^req_[0-9a-f]{32}$/);
    expect(ids[1]).toMatch(/^req_[0-9a-f]{32}$/);
    expect(ids[0]).not.toBe(ids[1]);
    await new Promise((r) => setTimeout(r, 10));
    const logged = lines.filter((l) => l.msg === "request");
    expect(logged.map((l) => [l.requestId, l.clientRequestId])).toEqual([
      [insane.headers.get("x-request-id"), null],
      [ids[0], "client-7"],
      [ids[1], "client-7"],
    ]);
  });

  it("resolves aliases and lists only the key's models", async () => {
    const app = createApp({ config, fetch: sseUpstream([]) });
    expect((await post(app, { ...hello, model: "qwq-32b" })).status).toBe(200);
    const res = await app.request("/v1/models", {
      headers: { authorization: "Bearer tg-alice-key-1" },
    });
    const ids = ((await res.json()) as { data: Array<{ id: string }> }).data.map((m) => m.id);
    expect(ids).toEqual(["qwq", "denied", "picky"]);
    const one = await app.request("/v1/models/qwq", {
      headers: { authorization: "Bearer tg-alice-key-1" },
    });
    expect(await one.json()).toMatchObject({ id: "qwq", object: "model" });
    const hidden = await app.request("/v1/models/other", {
      headers: { authorization: "Bearer tg-alice-key-1" },
    });
    expect(hidden.status).toBe(404);
  });

  it.each([
    ["no key", {}, 401, "invalid_api_key"],
    ["a wrong key", { authorization: "Bearer tg-nobody" }, 401, "invalid_api_key"],
  ])("rejects %s with 401 in OpenAI's shape", async (_, headers, status, code) => {
    const app = createApp({ config, fetch: sseUpstream([]) });
    const res = await app.request("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(hello),
    });
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
    expect(body.error.code).toBe(code);
  });

  it("tells keys apart however many were tried: the hash cache never confuses or loses one", async () => {
    const app = createApp({ config, fetch: sseUpstream([]) });
    const models = () =>
      app.request("/v1/models", { headers: { authorization: "Bearer tg-alice-key-1" } });
    expect((await models()).status).toBe(200);
    // More made-up keys than the cache holds, with the real one asked between them.
    for (let i = 0; i < 1100; i++) {
      const wrong = await app.request("/v1/models", {
        headers: { authorization: `Bearer tg-alice-key-1${i}` },
      });
      expect(wrong.status).toBe(401);
      if (i % 250 === 0) expect((await models()).status).toBe(200);
    }
    expect((await models()).status).toBe(200);
  });

  it("maps every input problem to its status", async () => {
    const app = createApp({ config, fetch: sseUpstream([]) });
    const cases: Array<[Response | Promise<Response>, number, string]> = [
      [post(app, { ...hello, model: "other" }), 403, "model_not_allowed"],
      [post(app, { ...hello, model: "nope" }), 404, "model_not_found"],
      [post(app, "{not json"), 400, "invalid_json"],
      [post(app, { model: "qwq", messages: [] }), 400, "invalid_request"],
      [post(app, { ...hello, reasoning_format: "xml" }), 400, "invalid_request"],
      [post(app, hello, { "content-type": "text/plain" }), 415, "unsupported_media_type"],
      [post(app, { ...hello, pad: "x".repeat(5000) }), 413, "body_too_large"],
      [app.request("/v2/whatever"), 404, "not_found"],
    ];
    for (const [pending, status, code] of cases) {
      const res = await pending;
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    }
  });

  it("names the bad field in a 400", async () => {
    const app = createApp({ config, fetch: sseUpstream([]) });
    const res = await post(app, { model: "qwq", messages: [{ content: "no role" }] });
    const body = (await res.json()) as { error: { param: string; message: string } };
    expect(body.error.param).toBe("messages[0].role");
  });

  it("maps upstream errors without leaking keys or URLs", async () => {
    const app = createApp({ config, fetch: sseUpstream([]) });
    const denied = await post(app, { ...hello, model: "denied" });
    expect(denied.status).toBe(502);
    expect(denied.headers.get("x-thinkgate-backend")).toBe("denied");
    const deniedText = await denied.text();
    expect(deniedText).toContain("upstream_auth_failed");
    expect(deniedText).not.toMatch(/sk-|denied\.test/);
    const picky = await post(app, { ...hello, model: "picky" });
    expect(picky.status).toBe(400);
    const pickyBody = (await picky.json()) as { error: { message: string; code: string } };
    expect(pickyBody.error.message).toContain("Range of input length should be [1, 30720]");
    expect(pickyBody.error.message).not.toContain("https://");
    expect(pickyBody.error.code).toBe("invalid_parameter_error");
  });

  it("accepts a config key given only as its hash; it may use every model", async () => {
    const app = createApp({ config, fetch: sseUpstream([]) });
    const res = await post(
      app,
      { ...hello, model: "other" },
      { authorization: "Bearer tg-bob-key-22" },
    );
    expect(res.status).toBe(200);
  });

  it("answers CORS preflights and exposes its headers only when server.cors says so", async () => {
    const closed = createApp({ config, fetch: sseUpstream([]) });
    const noCors = await post(closed, hello, { origin: "https://app.example" });
    expect(noCors.headers.get("access-control-allow-origin")).toBeNull();

    const open = createApp({
      config: {
        ...config,
        server: { ...config.server, cors: { origins: ["https://app.example"] } },
      },
      fetch: sseUpstream([]),
    });
    const preflight = await open.request("/v1/chat/completions", {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(preflight.headers.get("access-control-allow-headers")).toContain("authorization");
    const res = await post(open, hello, { origin: "https://app.example" });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(res.headers.get("access-control-expose-headers")).toContain("x-request-id");
    const stranger = await post(open, hello, { origin: "https://evil.example" });
    expect(stranger.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("serves /healthz without a key", async () => {
    const app = createApp({ config });
    const res = await app.request("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });
});

describe("the tenancy seam", () => {
  // Shaped like the admin API's keys ("tg-" + 43 base64url): only those go to the store.
  const storeKey = `tg-${"s".repeat(40)}042`;

  async function tenancyWith(refuse: boolean) {
    const hash = Array.from(
      new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(storeKey))),
      (b) => b.toString(16).padStart(2, "0"),
    ).join("");
    const admitted: AdmitRequest[] = [];
    const settled: Array<SettledUsage | null> = [];
    const usage: UsageEvent[] = [];
    const waited: Array<Promise<unknown>> = [];
    const tenancy: Tenancy = {
      findKey: async (h) =>
        h === hash
          ? { id: "key_store1", hash, tenant: "carol", createdAt: 0, source: "store" }
          : null,
      limiter: {
        admit: async (req) => {
          admitted.push(req);
          if (refuse)
            return {
              ok: false,
              limit: "rpm",
              retryAfterSeconds: 12.2,
              headers: { "x-ratelimit-remaining-requests": "0" },
              message: "Rate limit reached: 60 requests per minute.",
            };
          return {
            ok: true,
            lease: {
              headers: { "x-ratelimit-limit-requests": "60" },
              settle: async (u) => void settled.push(u),
            },
          };
        },
      },
      recordUsage: async (ev) => void usage.push(ev),
    };
    return { tenancy, admitted, settled, usage, waited };
  }

  it("resolves store keys, admits, settles with real usage and records it", async () => {
    const t = await tenancyWith(false);
    const app = createApp({
      config,
      tenancy: t.tenancy,
      fetch: sseUpstream([]),
      waitUntil: (p) => t.waited.push(p),
    });
    const res = await post(
      app,
      { ...hello, max_tokens: 100 },
      { authorization: `Bearer ${storeKey}` },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("x-ratelimit-limit-requests")).toBe("60");
    await Promise.all(t.waited);
    expect(t.admitted[0]?.principal).toMatchObject({ keyId: "key_store1", tenant: "carol" });
    expect(t.admitted[0]?.estimatedTokens).toBeGreaterThan(100);
    expect(t.settled).toEqual([
      { promptTokens: 7, completionTokens: 11, reasoningTokens: 2, estimated: false },
    ]);
    expect(t.usage[0]).toMatchObject({
      tenant: "carol",
      keyId: "key_store1",
      model: "qwq",
      backend: "up",
      promptTokens: 7,
      error: false,
    });
  });

  it("turns a failure of its own into a 500 in OpenAI's shape, and logs what broke", async () => {
    const t = await tenancyWith(false);
    t.tenancy.findKey = async () => {
      throw new Error("store unreachable");
    };
    const lines: Array<Record<string, unknown>> = [];
    const app = createApp({
      config,
      tenancy: t.tenancy,
      fetch: sseUpstream([]),
      log: (l) => lines.push(l),
    });
    const res = await post(app, hello, { authorization: `Bearer ${storeKey}` });
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("internal_error");
    expect(body.error.message).not.toContain("store unreachable");
    expect(lines[0]).toMatchObject({
      status: 500,
      errorCode: "internal_error",
      internalError: "Error: store unreachable",
    });
  });

  it("answers 429 with Retry-After when the limiter refuses", async () => {
    const t = await tenancyWith(true);
    const app = createApp({ config, tenancy: t.tenancy, fetch: sseUpstream([]) });
    const res = await post(app, hello, { authorization: `Bearer ${storeKey}` });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("13");
    expect(res.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe("rate_limit_error");
  });
});

describe('auth "none"', () => {
  const storeKeys = {
    revoked: `tg-${"r".repeat(43)}`,
    expired: `tg-${"e".repeat(43)}`,
    valid: `tg-${"v".repeat(43)}`,
  };

  async function noneApp(server: Record<string, unknown> = {}) {
    const hashes = new Map<string, keyof typeof storeKeys>();
    for (const [name, key] of Object.entries(storeKeys)) {
      const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
      const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0"));
      hashes.set(hex.join(""), name as keyof typeof storeKeys);
    }
    const tenancy: Tenancy = {
      findKey: async (hash) => {
        const name = hashes.get(hash);
        if (!name) return null;
        return {
          id: `key_${name}`,
          hash,
          tenant: "store-tenant",
          createdAt: 0,
          source: "store",
          models: ["other"],
          ...(name === "revoked" ? { revokedAt: 1 } : {}),
          ...(name === "expired" ? { expiresAt: 1 } : {}),
        };
      },
      limiter: {
        admit: async () => ({ ok: true, lease: { headers: {}, settle: async () => {} } }),
      },
      recordUsage: async () => {},
    };
    const lines: Array<Record<string, unknown>> = [];
    const app = createApp({
      config: parseConfig(
        {
          server: { auth: "none", ...server },
          backends: { up: { type: "openai-compatible", baseUrl: "http://up.test/v1" } },
          models: {
            qwq: { targets: [{ backend: "up", model: "q" }] },
            other: { targets: [{ backend: "up", model: "o" }] },
          },
          keys: [{ key: "tg-config-key-bob", tenant: "bob", models: ["qwq"] }],
        },
        {},
      ),
      tenancy,
      fetch: sseUpstream([]),
      log: (l) => lines.push(l),
    });
    const models = (headers: Record<string, string> = {}, host = "127.0.0.1:8787") =>
      app.request(`http://${host}/v1/models`, { headers: { host, ...headers } });
    return { app, models, lines };
  }

  const ids = async (res: Response) =>
    ((await res.json()) as { data: Array<{ id: string }> }).data.map((m) => m.id);

  it("runs a request without a key, or with the placeholder key, as the anonymous tenant", async () => {
    const { models, lines } = await noneApp();
    expect(await ids(await models())).toEqual(["qwq", "other"]);
    expect(await ids(await models({ authorization: "Bearer anonymous" }))).toEqual([
      "qwq",
      "other",
    ]);
    expect(lines.map((l) => l.tenant)).toEqual(["anonymous", "anonymous"]);
  });

  it("answers a wrong, revoked or expired key with 401, never as anonymous; a valid key keeps its restrictions", async () => {
    const { models } = await noneApp();
    for (const key of ["tg-wrong-key-123", "sk-anything", storeKeys.revoked, storeKeys.expired]) {
      const res = await models({ authorization: `Bearer ${key}` });
      expect(res.status, key).toBe(401);
      const error = ((await res.json()) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe("invalid_api_key");
      expect(error.message).toMatch(/send none, or "anonymous"/);
    }
    const malformed = await models({ authorization: "Basic dXNlcjpwYXNz" });
    expect(malformed.status).toBe(401);
    expect(await ids(await models({ authorization: "Bearer tg-config-key-bob" }))).toEqual(["qwq"]);
    expect(await ids(await models({ authorization: `Bearer ${storeKeys.valid}` }))).toEqual([
      "other",
    ]);
  });

  it("answers only requests addressed to a loopback name (DNS rebinding)", async () => {
    const { models, app } = await noneApp();
    for (const host of [
      "localhost",
      "localhost:8787",
      "127.0.0.1",
      "127.0.0.1:1",
      "[::1]",
      "[::1]:8787",
      "LOCALHOST:80",
    ]) {
      expect((await models({}, host)).status, host).toBe(200);
    }
    for (const host of [
      "evil.example",
      "evil.example:8787",
      "127.0.0.1.evil.example",
      "localhost.evil.example:8787",
      "0.0.0.0:8787",
      "192.168.1.5:8787",
    ]) {
      const res = await models({}, host);
      expect(res.status, host).toBe(403);
      const error = ((await res.json()) as { error: { code: string; type: string } }).error;
      expect(error).toMatchObject({ code: "host_not_allowed", type: "permission_error" });
    }
    // The check comes before anything else, admin and usage routes included.
    const post = await app.request("http://evil.example/v1/chat/completions", {
      method: "POST",
      headers: { host: "evil.example", "content-type": "application/json" },
      body: JSON.stringify(hello),
    });
    expect(post.status).toBe(403);
  });

  it("serves any Host when allowPublicWithoutAuth says so; keys mode never checks Host", async () => {
    const open = await noneApp({ allowPublicWithoutAuth: true });
    expect((await open.models({}, "gateway.example:8787")).status).toBe(200);
    const keyed = createApp({ config, fetch: sseUpstream([]) });
    const res = await keyed.request("http://gateway.example/v1/models", {
      headers: { host: "gateway.example", authorization: "Bearer tg-alice-key-1" },
    });
    expect(res.status).toBe(200);
  });
});
