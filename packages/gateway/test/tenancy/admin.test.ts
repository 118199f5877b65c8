import { describe, expect, it } from "vitest";
import type { openApiDocument } from "../../src/admin/openapi.js";
import { ADMIN_MAX_BODY_BYTES } from "../../src/admin/request-body.js";
import { USAGE_READS_PER_MINUTE } from "../../src/admin/usage.js";
import { parseConfig } from "../../src/config/parse.js";
import { tenancyFromConfig } from "../../src/tenancy/from-config.js";
import { createTenancy, type TenancyHandle } from "../../src/tenancy/index.js";
import { sha256Hex } from "../../src/tenancy/key-secret.js";
import { STORE_TYPES, useStores } from "./stores.js";

const stores = useStores();
const ADMIN = "admin-secret-token";
const CONFIG_KEY = "tg-config-key-for-acme";

async function tenancyOn(type: (typeof STORE_TYPES)[number]): Promise<TenancyHandle> {
  return createTenancy({
    store: await stores.make(type),
    adminToken: ADMIN,
    configKeys: [{ key: CONFIG_KEY, tenant: "acme", limits: { rpm: 5 } }],
    log: () => {},
  });
}

function call(t: TenancyHandle, method: string, path: string, body?: unknown, token = ADMIN) {
  const init: RequestInit = { method, headers: { authorization: `Bearer ${token}` } };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] = "application/json";
  }
  return t.routes.request(path, init);
}

async function errorOf(res: Response) {
  const body = (await res.json()) as {
    error: { message: string; type: string; code: string | null; param: string | null };
  };
  expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
  return body.error;
}

function usageEvent(tenant: string, keyId: string, over: Record<string, unknown> = {}) {
  return {
    requestId: `req_${Math.random()}`,
    tenant,
    keyId,
    model: "qwq-32b",
    backend: "emu",
    promptTokens: 11,
    completionTokens: 29,
    reasoningTokens: 17,
    estimated: false,
    error: false,
    at: Date.now(),
    ...over,
  };
}

describe.each(STORE_TYPES)("admin API on the %s store", (type) => {
  it("refuses a missing or wrong admin token, and is off without one", async () => {
    const t = await tenancyOn(type);
    const none = await t.routes.request("/admin/keys");
    expect(none.status).toBe(401);
    expect((await errorOf(none)).code).toBe("invalid_api_key");
    expect((await call(t, "GET", "/admin/keys", undefined, `${ADMIN}x`)).status).toBe(401);
    expect((await call(t, "GET", "/admin/keys", undefined, CONFIG_KEY)).status).toBe(401);
    const off = await createTenancy({ store: await stores.make(type), log: () => {} });
    const res = await call(off, "GET", "/admin/keys");
    expect(res.status).toBe(401);
    expect((await errorOf(res)).message).toMatch(/disabled/);
  });

  it("key lifecycle: create (secret once), find, list without secrets, change, revoke", async () => {
    const t = await tenancyOn(type);
    const created = await call(t, "POST", "/admin/keys", {
      tenant: "acme",
      name: "ci",
      models: ["qwq-32b"],
      limits: { rpm: 10, tpm: 5000, concurrency: 2 },
      tags: ["local"],
      expiresAt: "2030-01-01T00:00:00Z",
    });
    expect(created.status).toBe(201);
    const key = (await created.json()) as Record<string, unknown>;
    const secret = key.key as string;
    expect(secret).toMatch(/^tg-[A-Za-z0-9_-]{43}$/);
    expect(key).toMatchObject({
      object: "api_key",
      tenant: "acme",
      name: "ci",
      models: ["qwq-32b"],
      limits: { rpm: 10, tpm: 5000, concurrency: 2 },
      source: "store",
      expires_at: "2030-01-01T00:00:00.000Z",
      revoked_at: null,
    });
    const id = key.id as string;

    // The store holds only the hash: the pipeline finds the key by it.
    const hash = await sha256Hex(secret);
    expect(await t.findKey(hash)).toMatchObject({ id, tenant: "acme", limits: { rpm: 10 } });
    expect(JSON.stringify(await t.store.listKeys())).not.toContain(secret);

    const list = (await (await call(t, "GET", "/admin/keys")).json()) as {
      data: Array<Record<string, unknown>>;
    };
    expect(list.data.map((k) => k.source)).toEqual(["config", "store"]);
    const text = JSON.stringify(list);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(hash);
    expect((await (await call(t, "GET", `/admin/keys/${id}`)).json()) as object).not.toHaveProperty(
      "key",
    );

    const changed = await call(t, "PATCH", `/admin/keys/${id}`, {
      limits: { rpm: 1 },
      models: null,
    });
    expect(await changed.json()).toMatchObject({ limits: { rpm: 1 }, models: null, name: "ci" });
    expect((await t.findKey(hash))?.limits).toEqual({ rpm: 1 });

    const revoked = await call(t, "DELETE", `/admin/keys/${id}`);
    expect(revoked.status).toBe(200);
    expect(((await revoked.json()) as { revoked_at: string | null }).revoked_at).not.toBeNull();
    expect((await t.findKey(hash))?.revokedAt).toBeTypeOf("number");
    // A revoked key reads nothing.
    const usage = await t.routes.request("/v1/usage", {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(usage.status).toBe(401);
  });

  it("answers bad input and unknown keys with OpenAI-style errors", async () => {
    const t = await tenancyOn(type);
    const cases: Array<[string, string, unknown, number, string | null]> = [
      ["POST", "/admin/keys", "{not json", 400, null],
      ["POST", "/admin/keys", { tenant: "a:b" }, 400, "tenant"],
      ["POST", "/admin/keys", { tenant: "acme", limits: { rpm: 0 } }, 400, "limits.rpm"],
      ["POST", "/admin/keys", { tenant: "acme", extra: 1 }, 400, null],
      ["POST", "/admin/keys", { tenant: "acme", expiresAt: "tomorrow" }, 400, "expiresAt"],
      ["GET", "/admin/keys/key_nope", undefined, 404, "id"],
      ["PATCH", "/admin/keys/key_nope", { name: "x" }, 404, "id"],
      ["DELETE", "/admin/keys/key_nope", undefined, 404, "id"],
      ["GET", "/admin/usage", undefined, 400, "tenant"],
      ["GET", "/admin/usage?tenant=acme&from=2026-02-01&to=2026-01-01", undefined, 400, "from"],
      ["GET", "/admin/usage?tenant=acme&from=2020-01-01&to=2026-01-01", undefined, 400, "from"],
      ["GET", "/admin/usage?tenant=acme&from=yesterday", undefined, 400, "from"],
    ];
    for (const [method, path, body, status, param] of cases) {
      const res = await call(t, method, path, body);
      expect(`${method} ${path} → ${res.status}`).toBe(`${method} ${path} → ${status}`);
      const error = await errorOf(res);
      if (param) expect(error.param).toBe(param);
    }
    // Config keys are read-only here.
    const configId = `cfg_${(await sha256Hex(CONFIG_KEY)).slice(0, 12)}`;
    expect((await call(t, "GET", `/admin/keys/${configId}`)).status).toBe(200);
    const patch = await call(t, "PATCH", `/admin/keys/${configId}`, { name: "x" });
    expect(patch.status).toBe(409);
    expect((await errorOf(patch)).code).toBe("config_key");
  });

  it("usage: totals per tenant and key per day equal what was recorded; tenants are isolated", async () => {
    const t = await tenancyOn(type);
    const mk = async (tenant: string) =>
      (await (await call(t, "POST", "/admin/keys", { tenant })).json()) as {
        id: string;
        key: string;
      };
    const a1 = await mk("acme");
    const a2 = await mk("acme");
    const g1 = await mk("globex");
    await t.recordUsage(usageEvent("acme", a1.id));
    await t.recordUsage(
      usageEvent("acme", a1.id, { promptTokens: 100, completionTokens: 1, reasoningTokens: 0 }),
    );
    await t.recordUsage(
      usageEvent("acme", a2.id, {
        error: true,
        promptTokens: 5,
        completionTokens: 0,
        reasoningTokens: 0,
      }),
    );
    await t.recordUsage(usageEvent("globex", g1.id, { promptTokens: 999 }));

    const admin = (await (await call(t, "GET", "/admin/usage?tenant=acme")).json()) as {
      totals: Record<string, number>;
      days: Array<{ keys: Record<string, Record<string, number>> }>;
    };
    expect(admin.totals).toEqual({
      requests: 3,
      prompt_tokens: 116,
      completion_tokens: 30,
      reasoning_tokens: 17,
      total_tokens: 146,
      errors: 1,
    });
    expect(Object.keys(admin.days[0]!.keys).sort()).toEqual([a1.id, a2.id].sort());
    const oneKey = (await (
      await call(t, "GET", `/admin/usage?tenant=acme&key=${a2.id}`)
    ).json()) as {
      totals: Record<string, number>;
    };
    expect(oneKey.totals).toMatchObject({ requests: 1, prompt_tokens: 5, errors: 1 });

    // A key reads its own tenant's usage, all of it, and never another tenant's.
    const own = (await (
      await t.routes.request("/v1/usage", { headers: { authorization: `Bearer ${a2.key}` } })
    ).json()) as { tenant: string; totals: Record<string, number> };
    expect(own.tenant).toBe("acme");
    expect(own.totals.requests).toBe(3);
    const theirs = await t.routes.request("/v1/usage?tenant=globex", {
      headers: { authorization: `Bearer ${a1.key}` },
    });
    expect(theirs.status).toBe(403);
    expect((await errorOf(theirs)).type).toBe("permission_error");
    const globex = (await (
      await t.routes.request("/v1/usage", { headers: { authorization: `Bearer ${g1.key}` } })
    ).json()) as { totals: Record<string, number> };
    expect(globex.totals).toMatchObject({ requests: 1, prompt_tokens: 999 });
    // The admin token is not an API key, and no key is no usage.
    expect((await call(t, "GET", "/v1/usage")).status).toBe(401);
    expect((await t.routes.request("/v1/usage")).status).toBe(401);
    // Config keys read their tenant's usage too.
    const viaConfig = await t.routes.request("/v1/usage", {
      headers: { authorization: `Bearer ${CONFIG_KEY}` },
    });
    expect(((await viaConfig.json()) as { totals: { requests: number } }).totals.requests).toBe(3);
  });
});

describe.each(STORE_TYPES)("admin API hardening on the %s store", (type) => {
  const created = async (t: TenancyHandle, body: object = { tenant: "acme", name: "first" }) =>
    (await (await call(t, "POST", "/admin/keys", body)).json()) as { id: string; key: string };

  it("a PATCH racing a DELETE never undoes the revocation, on one instance or two", async () => {
    const prefix = stores.newPrefix();
    const options = { adminToken: ADMIN, configKeys: [], log: () => {} };
    const one = await createTenancy({ ...options, store: await stores.make(type, prefix) });
    // Memory is one process's store: the second instance shares it only as itself.
    const two =
      type === "memory"
        ? one
        : await createTenancy({ ...options, store: await stores.make(type, prefix) });
    for (let round = 0; round < 12; round++) {
      const key = await created(one);
      const patch = call(one, "PATCH", `/admin/keys/${key.id}`, {
        name: `round ${round}`,
        limits: { rpm: round + 1 },
      });
      const revoke = call(two, "DELETE", `/admin/keys/${key.id}`);
      // Alternate which one is sent first.
      const [patched, revoked] =
        round % 2 === 0 ? [await patch, await revoke] : [await revoke, await patch].reverse();
      expect(patched?.status).toBe(200);
      expect(revoked?.status).toBe(200);
      const stored = await one.store.getKeyById(key.id);
      expect(stored?.revokedAt, `round ${round}`).toBeTypeOf("number");
      expect(stored?.name).toBe(`round ${round}`);
      expect(stored?.limits).toEqual({ rpm: round + 1 });
    }
  });

  it("a revocation that lands while a PATCH's body is still arriving stays", async () => {
    const t = await tenancyOn(type);
    const key = await created(t);
    let finish!: () => void;
    const bodyDone = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const encoder = new TextEncoder();
    const slowBody = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(encoder.encode('{"name":'));
        await bodyDone;
        controller.enqueue(encoder.encode('"renamed"}'));
        controller.close();
      },
    });
    const patch = t.routes.request(`/admin/keys/${key.id}`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
      body: slowBody,
      duplex: "half",
    } as RequestInit);
    await new Promise((r) => setTimeout(r, 20));
    expect((await call(t, "DELETE", `/admin/keys/${key.id}`)).status).toBe(200);
    finish();
    const patched = (await (await patch).json()) as { name: string; revoked_at: string | null };
    expect(patched).toMatchObject({ name: "renamed" });
    expect(patched.revoked_at).not.toBeNull();
    expect((await t.store.getKeyById(key.id))?.revokedAt).toBeTypeOf("number");
  });

  it("refuses an admin body over its limit with 413, declared or streamed", async () => {
    const t = await tenancyOn(type);
    const big = JSON.stringify({ tenant: "acme", name: "x".repeat(ADMIN_MAX_BODY_BYTES) });
    const declared = await call(t, "POST", "/admin/keys", big);
    expect(declared.status).toBe(413);
    expect((await errorOf(declared)).code).toBe("body_too_large");
    const encoder = new TextEncoder();
    const chunk = encoder.encode(" ".repeat(64 * 1024));
    let sent = 0;
    const streamed = await t.routes.request("/admin/keys", {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
      body: new ReadableStream<Uint8Array>({
        pull(controller) {
          // Endless whitespace: only the limit ends it.
          sent += chunk.length;
          if (sent > 64 * ADMIN_MAX_BODY_BYTES) controller.close();
          else controller.enqueue(chunk);
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(sent).toBeLessThan(4 * ADMIN_MAX_BODY_BYTES);
    // A tenant named "anonymous" is reserved for keyless requests.
    const reserved = await call(t, "POST", "/admin/keys", { tenant: "anonymous" });
    expect(reserved.status).toBe(400);
    expect((await errorOf(reserved)).param).toBe("tenant");
  });

  it("/v1/usage has a read limit of its own, and ?key= finds only real key ids", async () => {
    const t = await tenancyOn(type);
    const key = await created(t, { tenant: "acme", limits: { rpm: 1 } });
    await t.recordUsage(usageEvent("acme", key.id));
    const read = (query = "") =>
      t.routes.request(`/v1/usage${query}`, { headers: { authorization: `Bearer ${key.key}` } });
    for (const name of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
      const res = await read(`?key=${name}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { totals: Record<string, number>; days: unknown[] };
      expect(body.totals).toEqual({
        requests: 0,
        prompt_tokens: 0,
        completion_tokens: 0,
        reasoning_tokens: 0,
        total_tokens: 0,
        errors: 0,
      });
      expect(body.days).toEqual([]);
    }
    // Reads do not take the key's own rpm (1): they have their own budget, and it ends.
    const statuses: number[] = [];
    // Four reads above; the rest of the minute's budget here.
    for (let i = 4; i < USAGE_READS_PER_MINUTE; i++) statuses.push((await read()).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    const refused = await read();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await errorOf(refused)).code).toBe("rate_limit_exceeded");
    const principal = { keyId: key.id, tenant: "acme", limits: { rpm: 1 } };
    expect((await t.limiter.admit({ principal, estimatedTokens: 1, requestId: "r" })).ok).toBe(
      true,
    );
  });
});

describe("the admin token from the environment", () => {
  it("is held to admin.token's minimum length", async () => {
    const config = parseConfig({ backends: {}, models: {} }, {});
    await expect(tenancyFromConfig(config, { adminToken: "short-token" })).rejects.toThrow(
      /THINKGATE_ADMIN_TOKEN: expected an admin token of at least 16 characters/,
    );
    const ok = await tenancyFromConfig(config, { adminToken: "a-long-enough-token" });
    expect((await call(ok, "GET", "/admin/keys", undefined, "a-long-enough-token")).status).toBe(
      200,
    );
    await ok.close();
  });
});

describe("OpenAPI description", () => {
  it("is served, well-formed, and every $ref resolves", async () => {
    const t = await createTenancy({ store: await stores.make("memory"), log: () => {} });
    const res = await t.routes.request("/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as typeof openApiDocument;
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).sort()).toEqual([
      "/admin/keys",
      "/admin/keys/{id}",
      "/admin/usage",
      "/v1/usage",
    ]);
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      const path = ref.slice(8, -1).replace(/^#\//, "").split("/");
      let node: unknown = doc;
      for (const part of path) node = (node as Record<string, unknown>)[part];
      expect(node, ref).toBeTypeOf("object");
    }
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (method === "parameters") continue;
        const o = op as { responses: Record<string, unknown>; security?: unknown[] };
        expect(Object.keys(o.responses).length, `${method} ${path}`).toBeGreaterThan(1);
        expect(o.security, `${method} ${path}`).toHaveLength(1);
      }
    }
  });
});
