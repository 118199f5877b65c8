import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, parseConfig } from "../../src/index.js";
import { createMemoryStore } from "../../src/store/memory.js";
import { createTenancy, type TenancyHandle } from "../../src/tenancy/index.js";
import { quickUpstream } from "./quick-upstream.js";

// The promise "bad input gets a clear OpenAI-style error, never a crash or a hang", checked over
// the whole HTTP surface with arbitrary methods, paths, headers and bodies. Every response must
// be a success or an error in OpenAI's shape with a status from the contract (never a 500 for a
// client's mistake), come back within a bound, and leave exactly one log line.

const GOOD_KEY = "tg-fuzz-good-key-1";
const LIMITED_KEY = "tg-fuzz-limited-key-2";
const ADMIN_TOKEN = "fuzz-admin-token-0123456789";
const MAX_BODY = 64 * 1024;
/** A hang detector, not a performance bound: a healthy answer takes milliseconds. */
const ANSWER_WITHIN_MS = 15_000;

const config = parseConfig(
  {
    server: { maxBodyBytes: MAX_BODY },
    backends: { up: { type: "openai-compatible", baseUrl: "http://up.test/v1" } },
    models: {
      qwq: { targets: [{ backend: "up", model: "Qwen/QwQ-32B" }], aliases: ["qwq-32b"] },
      other: { targets: [{ backend: "up", model: "o" }] },
    },
    keys: [
      { key: GOOD_KEY, tenant: "fuzz", models: ["qwq"] },
      {
        key: LIMITED_KEY,
        tenant: "limited",
        limits: { rpm: 1_000_000, tpm: 50_000, concurrency: 2 },
      },
    ],
  },
  {},
);

// Statuses the contract allows (design.md "HTTP API", packages/gateway/README.md), 500 excluded:
// a client's input must never look like the gateway's own failure.
const CONTRACT_STATUSES = new Set([
  200, 201, 400, 401, 403, 404, 409, 413, 415, 429, 502, 503, 504,
]);

let tenancy: TenancyHandle;
let app: ReturnType<typeof createApp>;
const lines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  tenancy = await createTenancy({
    store: createMemoryStore(),
    adminToken: ADMIN_TOKEN,
    configKeys: config.keys,
    log: () => {},
  });
  app = createApp({ config, tenancy, fetch: quickUpstream(), log: (l) => lines.push(l) });
});
afterAll(() => tenancy.close());

// ---- arbitraries -------------------------------------------------------------------------

const printable = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 80,
});
const huge = (size: number) => fc.constantFrom("a", "Z", "=", "%").map((c) => c.repeat(size));

const method = fc.oneof(
  { weight: 4, arbitrary: fc.constant("POST") },
  fc.constantFrom("GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"),
  fc.stringMatching(/^[A-Z]{1,12}$/),
);

const path = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      "/v1/chat/completions",
      "/v1/chat/completions",
      "/v1/chat/completions?stream=true",
      "/v1/models",
      "/v1/models/qwq",
      "/v1/models/qwq%2Fx",
      "/v1/models/%E0%A4%A",
      "/healthz",
      "/v1/usage",
      "/v1/usage?from=yesterday",
      "/admin/keys",
      "/admin/keys/key_nope",
      "/admin/usage?tenant=fuzz",
      "/openapi.json",
      "//v1//chat/completions",
      "/v1/chat/completions/../models",
      "/%00",
    ),
  },
  fc.webPath(),
  printable.map((p) => `/${encodeURIComponent(p)}`),
);

const authorization = fc.oneof(
  fc.constantFrom(
    undefined,
    `Bearer ${GOOD_KEY}`,
    `Bearer ${GOOD_KEY}`,
    `Bearer ${LIMITED_KEY}`,
    `Bearer ${ADMIN_TOKEN}`,
    `bearer ${GOOD_KEY}`,
    `Bearer  ${GOOD_KEY}  `,
    `Bearer ${GOOD_KEY} extra`,
    `Basic ${btoa(`user:${GOOD_KEY}`)}`,
    "Bearer",
    "Bearer ",
    "",
  ),
  printable,
  printable.map((p) => `Bearer ${p}`),
  huge(48 * 1024).map((h) => `Bearer ${h}`),
);

const contentType = fc.oneof(
  fc.constantFrom(
    undefined,
    "application/json",
    "application/json; charset=utf-8",
    "APPLICATION/JSON",
    "application/vnd.api+json",
    "application/jsonx",
    "text/plain",
    "multipart/form-data; boundary=x",
    "application/x-www-form-urlencoded",
  ),
  printable,
);

const headers = fc.record(
  {
    authorization,
    "content-type": contentType,
    "x-request-id": fc.oneof(printable, huge(8 * 1024), fc.constant("ok-id.1:2")),
    "x-junk": fc.oneof(printable, huge(32 * 1024)),
    accept: fc.constantFrom("*/*", "text/event-stream", "application/json"),
  },
  { requiredKeys: [] },
);

const validMessages = [{ role: "user", content: "hi" }];
const valid = { model: "qwq", messages: validMessages };

/** Any JSON value, including shapes the schema never expects. */
const anyJson = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  huge(70_000),
  fc.constantFrom(null, 0, -1, 1.5, 1e308, "", [], {}, true, "NaN"),
);

// Each field the gateway reads, given a wrong (or right) value of any type.
const knownFields = [
  "model",
  "messages",
  "stream",
  "n",
  "tools",
  "stream_options",
  "reasoning_format",
  "max_tokens",
  "max_completion_tokens",
] as const;
const wrongField = fc
  .record({
    field: fc.constantFrom(...knownFields),
    value: anyJson,
    stream: fc.boolean(),
  })
  .map(({ field, value, stream }) => JSON.stringify({ ...valid, stream, [field]: value }));
const wrongMessage = fc
  .record({
    role: fc.oneof(fc.constantFrom("user", "assistant", "system", "tool", ""), anyJson),
    content: anyJson,
    reasoning_content: fc.option(anyJson, { nil: undefined }),
  })
  .map((m) => JSON.stringify({ ...valid, messages: [m] }));

function nested(depth: number, open: string, close: string, inner = "1"): string {
  return open.repeat(depth) + inner + close.repeat(depth);
}

const body = fc.oneof(
  fc.constant(undefined),
  fc.constant(""),
  fc.uint8Array({ maxLength: 256 }),
  // Invalid UTF-8 inside otherwise plausible JSON.
  fc
    .uint8Array({ minLength: 1, maxLength: 8 })
    .map((bad) =>
      Uint8Array.from([
        ...new TextEncoder().encode('{"model":"qwq","messages":[{"role":"user","content":"'),
        ...bad.map((b) => b | 0x80),
        ...new TextEncoder().encode('"}]}'),
      ]),
    ),
  // Truncated JSON of a valid request.
  fc.tuple(fc.boolean(), fc.nat()).map(([stream, cut]) => {
    const text = JSON.stringify({ ...valid, stream });
    return text.slice(0, cut % text.length);
  }),
  // Deeply nested JSON, as the body and inside a message.
  fc.integer({ min: 1, max: 60_000 }).map((depth) => nested(depth, "[", "]")),
  fc
    .integer({ min: 100, max: 20_000 })
    .map((depth) =>
      JSON.stringify({ ...valid, messages: [{ role: "user", content: "@" }] }).replace(
        '"@"',
        nested(depth, '{"a":', "}"),
      ),
    ),
  wrongField,
  wrongField,
  wrongMessage,
  // Written as text: an object literal's `__proto__:` sets its prototype, and JSON.stringify
  // would send no such key.
  fc.constant(
    '{"model":"qwq","messages":[{"role":"user","content":"hi","__proto__":{"polluted":true}}],"constructor":{"prototype":{"polluted":true}}}',
  ),
  fc.constant('{"model":"qwq","messages":[{"role":"user","content":"hi"}],"__proto__":{"x":1}}'),
  fc.constantFrom(
    JSON.stringify(valid),
    JSON.stringify({ ...valid, stream: true }),
    JSON.stringify({ ...valid, stream: true, stream_options: { include_usage: true } }),
    JSON.stringify({ ...valid, model: "other" }),
    JSON.stringify({ ...valid, model: "nope" }),
  ),
  // Giant strings: past the body limit, and just under it.
  fc.constant(
    JSON.stringify({ ...valid, messages: [{ role: "user", content: "x".repeat(MAX_BODY) }] }),
  ),
  fc.constant(JSON.stringify({ ...valid, user: "y".repeat(MAX_BODY - 200) })),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  printable,
);

// Most runs go deep: a well-addressed chat request whose body (or one header) is wrong. The
// rest are anything at all, to cover routing, auth and the admin API.
const chatRequest = fc.record({
  method: fc.constant("POST"),
  path: fc.constant("/v1/chat/completions"),
  headers: fc
    .tuple(
      headers,
      fc.constantFrom(`Bearer ${GOOD_KEY}`, `Bearer ${LIMITED_KEY}`),
      fc.oneof(
        {
          weight: 5,
          arbitrary: fc.constantFrom("application/json", "application/json; charset=utf-8"),
        },
        contentType,
      ),
    )
    .map(([h, auth, type]) => ({ ...h, authorization: auth, "content-type": type })),
  body,
});
// The admin API reads JSON bodies of its own.
const adminRequest = fc.record({
  method: fc.constantFrom("POST", "PATCH", "DELETE", "GET"),
  path: fc.constantFrom("/admin/keys", "/admin/keys/key_nope", "/admin/usage?tenant=fuzz"),
  headers: fc
    .tuple(headers, fc.constantFrom("application/json", "text/plain"))
    .map(([h, type]) => ({ ...h, authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": type })),
  body,
});
const anyRequest = fc.record({ method, path, headers, body });
const request = fc.oneof(
  { weight: 6, arbitrary: chatRequest },
  { weight: 1, arbitrary: adminRequest },
  { weight: 2, arbitrary: anyRequest },
);

// ---- checks ------------------------------------------------------------------------------

interface Generated {
  method: string;
  path: string;
  headers: Record<string, string | undefined>;
  body: string | Uint8Array | undefined;
}

interface Outcome {
  status: number;
  headers: Headers;
  text: string;
}

async function send(r: Generated): Promise<Outcome | "refused by Request"> {
  const init: RequestInit & { headers: Record<string, string> } = { method: r.method, headers: {} };
  for (const [name, value] of Object.entries(r.headers)) {
    if (value !== undefined) init.headers[name] = value;
  }
  if (r.body !== undefined && r.method !== "GET" && r.method !== "HEAD")
    init.body = r.body as BodyInit;
  let pending: Response | Promise<Response>;
  try {
    pending = app.request(r.path, init);
  } catch {
    // The client side (Request/Headers constructors) refused it: nothing reached the gateway.
    return "refused by Request";
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no complete answer within ${ANSWER_WITHIN_MS} ms`)),
      ANSWER_WITHIN_MS,
    );
  });
  try {
    return await Promise.race([
      (async () => {
        const res = await pending;
        return { status: res.status, headers: res.headers, text: await res.text() };
      })(),
      hung,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function expectWellFormed(r: Generated, out: Outcome): void {
  const where = `${r.method} ${r.path} → ${out.status}: ${out.text.slice(0, 300)}`;
  expect(CONTRACT_STATUSES.has(out.status), where).toBe(true);
  expect(out.headers.get("x-request-id"), where).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
  if (r.method === "HEAD") return;
  if (out.status >= 400) {
    expect(out.headers.get("content-type"), where).toMatch(/^application\/json/);
    const json = JSON.parse(out.text) as { error?: Record<string, unknown> };
    expect(json.error, where).toBeTypeOf("object");
    const error = json.error as Record<string, unknown>;
    expect(Object.keys(error).sort(), where).toEqual(["code", "message", "param", "type"]);
    expect(error.message, where).toBeTypeOf("string");
    expect((error.message as string).length, where).toBeGreaterThan(0);
    expect(error.type, where).toBeTypeOf("string");
    expect(error.param === null || typeof error.param === "string", where).toBe(true);
    expect(error.code === null || typeof error.code === "string", where).toBe(true);
    if (out.status === 429)
      expect(Number(out.headers.get("retry-after")), where).toBeGreaterThan(0);
    return;
  }
  const type = out.headers.get("content-type") ?? "";
  if (type.startsWith("text/event-stream")) {
    // A stream ends in [DONE], or in an error event with nothing after it.
    const events = out.text.split("\n\n").filter(Boolean);
    const last = events.at(-1) ?? "";
    if (last !== "data: [DONE]") expect(JSON.parse(last.slice(6)), where).toHaveProperty("error");
  } else {
    expect(type, where).toMatch(/^application\/json/);
    expect(() => JSON.parse(out.text), where).not.toThrow();
  }
}

describe("any request over the HTTP API", () => {
  it("is answered with a success or a well-formed OpenAI error, in time, logged once", async () => {
    let reached = 0;
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        lines.length = 0;
        const out = await send(r);
        if (out === "refused by Request") return;
        reached++;
        statuses.add(out.status);
        expectWellFormed(r, out);
        // The log line is written when the body is done: one turn of the event loop later at most.
        await new Promise((resolve) => setImmediate(resolve));
        const id = out.headers.get("x-request-id");
        const mine = lines.filter((l) => l.requestId === id);
        expect(mine, `${r.method} ${r.path}`).toHaveLength(1);
        expect(mine[0]?.status).toBe(out.status);
        expect(mine[0]?.errorCode).not.toBe("internal_error");
      }),
      // FUZZ_RUNS and FUZZ_SEED for a deeper or repeated run by hand.
      {
        numRuns: Number(process.env.FUZZ_RUNS ?? 300),
        seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31),
      },
    );
    // Most generated requests must reach the gateway, or the property proves little.
    expect(reached).toBeGreaterThan(200);
    for (const status of [200, 400, 401, 404, 413, 415]) expect(statuses).toContain(status);
    // No body's `__proto__` or `constructor.prototype` reached a prototype.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  }, 120_000);
});
