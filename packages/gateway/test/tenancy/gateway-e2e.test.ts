import { type Emulator, emuPrompt, startEmulator } from "@thinkgate/emulator";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, parseConfig } from "../../src/index.js";
import { createTenancy, type TenancyHandle } from "../../src/tenancy/index.js";
import { STORE_TYPES, useStores } from "./stores.js";

// The whole gateway (createApp) with tenancy on each store, the emulator as the backend and the
// official openai client as the caller: 429s, headers, and usage totals equal to what the
// upstream reported.

const stores = useStores();
let emulator: Emulator;
const ADMIN = "e2e-admin";
const GLOBEX_KEY = "tg-globex-config-key-0001";

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator?.close();
});

async function gateway(type: (typeof STORE_TYPES)[number]) {
  const config = parseConfig(
    {
      backends: { emu: { type: "openai-compatible", baseUrl: `${emulator.url}/vllm/v1` } },
      models: { "qwq-32b": { targets: [{ backend: "emu", model: "Qwen/QwQ-32B" }] } },
      keys: [{ key: GLOBEX_KEY, tenant: "globex", limits: { rpm: 100 } }],
    },
    {},
  );
  const tenancy: TenancyHandle = await createTenancy({
    store: await stores.make(type),
    adminToken: ADMIN,
    configKeys: config.keys,
    log: () => {},
  });
  const pending: Promise<unknown>[] = [];
  const app = createApp({ config, tenancy, waitUntil: (p) => pending.push(p), log: () => {} });
  const fetchApp = ((input: RequestInfo | URL, init?: RequestInit) =>
    app.request(String(input), init)) as typeof fetch;
  const client = (apiKey: string) =>
    new OpenAI({ apiKey, baseURL: "http://gateway.test/v1", fetch: fetchApp, maxRetries: 0 });
  const admin = async (method: string, path: string, body?: unknown) =>
    app.request(path, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  const settled = async () => {
    while (pending.length) await Promise.all(pending.splice(0));
  };
  return { app, tenancy, client, admin, settled };
}

const ask = (usage: { prompt: number; completion: number; reasoning: number }) => ({
  model: "qwq-32b",
  messages: [{ role: "user" as const, content: emuPrompt({ usage }) }],
});

describe.each(STORE_TYPES)("gateway with tenancy on the %s store", (type) => {
  it("limits a store key (headers, 429), records usage exactly, and keeps tenants apart", async () => {
    const gw = await gateway(type);
    const created = (await (
      await gw.admin("POST", "/admin/keys", {
        tenant: "acme",
        models: ["qwq-32b"],
        limits: { rpm: 3, tpm: 100_000, concurrency: 2 },
      })
    ).json()) as { id: string; key: string };
    const acme = gw.client(created.key);

    const first = await acme.chat.completions
      .create(ask({ prompt: 13, completion: 40, reasoning: 25 }))
      .withResponse();
    expect(first.data.usage).toMatchObject({ prompt_tokens: 13, completion_tokens: 40 });
    expect(first.response.headers.get("x-ratelimit-limit-requests")).toBe("3");
    expect(first.response.headers.get("x-ratelimit-remaining-requests")).toBe("2");
    expect(first.response.headers.get("x-ratelimit-limit-tokens")).toBe("100000");
    expect(first.response.headers.get("x-ratelimit-reset-requests")).toMatch(/s$/);

    const stream = await acme.chat.completions.create({
      ...ask({ prompt: 7, completion: 30, reasoning: 20 }),
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text.length).toBeGreaterThan(0);
    await acme.chat.completions.create(ask({ prompt: 1, completion: 2, reasoning: 0 }));

    const limited = await acme.chat.completions
      .create(ask({ prompt: 1, completion: 1, reasoning: 0 }))
      .catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    const error = limited as InstanceType<typeof OpenAI.RateLimitError>;
    expect(error.status).toBe(429);
    expect(Number(error.headers?.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(error.headers?.get("x-ratelimit-remaining-requests")).toBe("0");
    expect(error.error).toMatchObject({ type: "rate_limit_error", code: "rate_limit_exceeded" });

    // Another tenant is not affected by acme's spending.
    const globex = gw.client(GLOBEX_KEY);
    await globex.chat.completions.create(ask({ prompt: 100, completion: 200, reasoning: 50 }));

    await gw.settled();
    const usage = async (key: string) =>
      (await (
        await gw.app.request("/v1/usage", { headers: { authorization: `Bearer ${key}` } })
      ).json()) as {
        tenant: string;
        totals: Record<string, number>;
        days: Array<{ keys: object }>;
      };
    const acmeUsage = await usage(created.key);
    // The refused request is not in the usage; the three that ran are, exactly as reported.
    expect(acmeUsage.totals).toEqual({
      requests: 3,
      prompt_tokens: 21,
      completion_tokens: 72,
      reasoning_tokens: 45,
      total_tokens: 93,
      errors: 0,
    });
    expect(Object.keys(acmeUsage.days[0]!.keys)).toEqual([created.id]);
    const globexUsage = await usage(GLOBEX_KEY);
    expect(globexUsage.tenant).toBe("globex");
    expect(globexUsage.totals).toMatchObject({
      requests: 1,
      prompt_tokens: 100,
      reasoning_tokens: 50,
    });
    expect(
      (
        await gw.app.request("/v1/usage?tenant=acme", {
          headers: { authorization: `Bearer ${GLOBEX_KEY}` },
        })
      ).status,
    ).toBe(403);

    // An expired key is refused like an unknown one.
    const expired = (await (
      await gw.admin("POST", "/admin/keys", { tenant: "acme", expiresAt: Date.now() - 1000 })
    ).json()) as { key: string };
    expect(
      await gw
        .client(expired.key)
        .models.list()
        .catch((e: unknown) => e),
    ).toBeInstanceOf(OpenAI.AuthenticationError);
    // The gateway serves the admin API's description.
    const openapi = await gw.app.request("/openapi.json");
    expect(((await openapi.json()) as { openapi: string }).openapi).toBe("3.1.0");

    // Revoked through the admin API: refused at once.
    expect((await gw.admin("DELETE", `/admin/keys/${created.id}`)).status).toBe(200);
    const revoked = await acme.models.list().catch((e: unknown) => e);
    expect(revoked).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it("a store key's model allowlist and a failed upstream request count as an error", async () => {
    const gw = await gateway(type);
    const created = (await (
      await gw.admin("POST", "/admin/keys", { tenant: "acme", models: ["other-model"] })
    ).json()) as { key: string };
    const denied = await gw
      .client(created.key)
      .chat.completions.create(ask({ prompt: 1, completion: 1, reasoning: 0 }))
      .catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(OpenAI.PermissionDeniedError);

    const open = (await (await gw.admin("POST", "/admin/keys", { tenant: "acme" })).json()) as {
      key: string;
    };
    const failed = await gw
      .client(open.key)
      .chat.completions.create({
        model: "qwq-32b",
        messages: [{ role: "user", content: emuPrompt({ status: 500 }) }],
      })
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(OpenAI.APIError);
    await gw.settled();
    const usage = (await (
      await gw.app.request("/v1/usage", { headers: { authorization: `Bearer ${open.key}` } })
    ).json()) as { totals: Record<string, number> };
    expect(usage.totals).toMatchObject({ requests: 1, errors: 1 });
  });
});

describe("gateway with tenancy when Redis goes down", () => {
  it("config keys keep working without limits; store keys get 503; both recover", async () => {
    const gw = await gateway("redis");
    const created = (await (
      await gw.admin("POST", "/admin/keys", { tenant: "acme", limits: { rpm: 50 } })
    ).json()) as { key: string };
    await stores.redis.stop();
    try {
      const viaConfig = await gw
        .client(GLOBEX_KEY)
        .chat.completions.create(ask({ prompt: 4, completion: 6, reasoning: 1 }))
        .withResponse();
      expect(viaConfig.response.status).toBe(200);
      // Limits failed open: the request ran, without rate-limit headers.
      expect(viaConfig.response.headers.get("x-ratelimit-limit-requests")).toBeNull();
      const viaStore = await gw
        .client(created.key)
        .models.list()
        .catch((e: unknown) => e);
      expect(viaStore).toBeInstanceOf(OpenAI.InternalServerError);
      const error = viaStore as InstanceType<typeof OpenAI.APIError>;
      expect(error.status).toBe(503);
      expect(error.error).toMatchObject({ code: "store_unavailable", type: "server_error" });
      await gw.settled();
      expect(gw.tenancy.usage.pending()).toBeGreaterThan(0);
    } finally {
      await stores.redis.start();
    }
    // The store is back, empty: the usage written while it was down arrives.
    const deadline = Date.now() + 20_000; // a hang detector: the loop ends as soon as it holds
    while (gw.tenancy.usage.pending() > 0 && Date.now() < deadline) {
      await gw.tenancy.usage.flush();
      await new Promise((r) => setTimeout(r, 50));
    }
    const usage = (await (
      await gw.app.request("/v1/usage", { headers: { authorization: `Bearer ${GLOBEX_KEY}` } })
    ).json()) as { totals: Record<string, number> };
    expect(usage.totals).toMatchObject({ requests: 1, prompt_tokens: 4, completion_tokens: 6 });
    gw.tenancy.usage.close();
  });
});
