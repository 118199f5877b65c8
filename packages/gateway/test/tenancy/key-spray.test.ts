import { describe, expect, it } from "vitest";
import { createApp, parseConfig } from "../../src/index.js";
import type { Store } from "../../src/store/types.js";
import { createTenancy } from "../../src/tenancy/index.js";
import { sha256Hex } from "../../src/tenancy/key-secret.js";
import { STORE_TYPES, useStores } from "./stores.js";

// A client spraying made-up keys: the store is asked only about keys shaped like the ones it
// holds, and only once per key while its "no such key" answer is fresh. Counted at the store.

const stores = useStores();
const ADMIN = "spray-admin-token";
const CONFIG_KEY = "any-string-an-operator-wrote";

function counted(store: Store): { store: Store; lookups: () => number } {
  let lookups = 0;
  const wrapped: Store = Object.create(store);
  wrapped.getKey = (hash) => {
    lookups++;
    return store.getKey(hash);
  };
  return { store: wrapped, lookups: () => lookups };
}

const base64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const storeShaped = (i: number) => {
  let tail = "";
  for (let j = 0; j < 43; j++) tail += base64url[(i * 7 + j * 13 + ((i * j) % 5)) % 64];
  return `tg-${tail}`;
};

async function gateway(type: (typeof STORE_TYPES)[number], clock: { now: number }) {
  const config = parseConfig(
    {
      backends: { b: { type: "openai-compatible", baseUrl: "http://127.0.0.1:9/v1" } },
      models: { m: { targets: [{ backend: "b", model: "m" }] } },
      keys: [{ key: CONFIG_KEY, tenant: "cfg" }],
    },
    {},
  );
  const { store, lookups } = counted(await stores.make(type));
  const now = () => clock.now;
  const tenancy = await createTenancy({
    store,
    adminToken: ADMIN,
    configKeys: config.keys,
    unknownKeyTtlMs: 15_000,
    log: () => {},
    now,
  });
  const app = createApp({ config, tenancy, now });
  const models = (key: string) =>
    app.request("/v1/models", { headers: { authorization: `Bearer ${key}` } });
  const usage = (key: string) =>
    app.request("/v1/usage", { headers: { authorization: `Bearer ${key}` } });
  return { app, tenancy, store, lookups, models, usage };
}

describe.each(STORE_TYPES)("keys sprayed at the gateway on the %s store", (type) => {
  it("costs no store lookup for a malformed key and one per distinct store-shaped key", async () => {
    const clock = { now: Date.now() };
    const gw = await gateway(type, clock);
    // Config keys are matched in memory, whatever their shape.
    expect((await gw.models(CONFIG_KEY)).status).toBe(200);
    const malformed = [
      "sk-nothing",
      "tg-short",
      `tg-${"a".repeat(42)}`,
      `tg-${"a".repeat(44)}`,
      `tg-${"a".repeat(42)}=`,
      `tg-${"a".repeat(42)}+`,
      `TG-${"a".repeat(43)}`,
      "x".repeat(4000),
    ];
    for (let round = 0; round < 20; round++) {
      for (const key of malformed) {
        // "~" is not base64url: every variant stays malformed.
        const variant = round === 0 ? key : `${key}~${round}`;
        expect((await gw.models(variant)).status).toBe(401);
        expect((await gw.usage(variant)).status).toBe(401);
      }
    }
    expect(gw.lookups()).toBe(0);

    const sprayed = Array.from({ length: 40 }, (_, i) => storeShaped(i));
    expect(new Set(sprayed).size).toBe(40);
    for (let round = 0; round < 5; round++) {
      for (const key of sprayed) {
        const res = await gw.models(key);
        expect(res.status).toBe(401);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
          "invalid_api_key",
        );
        expect((await gw.usage(key)).status).toBe(401);
      }
    }
    expect(gw.lookups()).toBe(40);
    // A key the admin API creates is found at once: it was never asked about.
    const created = (await (
      await gw.app.request("/admin/keys", {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
        body: JSON.stringify({ tenant: "acme" }),
      })
    ).json()) as { key: string };
    expect((await gw.models(created.key)).status).toBe(200);
  });

  it("lets a key in that was created after a miss, once the miss expires or is forgotten", async () => {
    const clock = { now: Date.now() };
    const gw = await gateway(type, clock);
    const later = storeShaped(1000);
    expect((await gw.models(later)).status).toBe(401);
    // Created meanwhile by another instance: this one still believes its miss for a while…
    const record = {
      id: "key_later",
      hash: await sha256Hex(later),
      tenant: "acme",
      createdAt: clock.now,
      source: "store" as const,
    };
    await gw.store.putKey(record);
    clock.now += 14_000;
    expect((await gw.models(later)).status).toBe(401);
    expect(gw.lookups()).toBe(1);
    // …and no longer once it expires.
    clock.now += 2_000;
    expect((await gw.models(later)).status).toBe(200);
    expect(gw.lookups()).toBe(2);

    // A miss this instance is told about (the admin API changed that key here) ends at once.
    const other = storeShaped(2000);
    expect((await gw.models(other)).status).toBe(401);
    await gw.store.putKey({ ...record, id: "key_other", hash: await sha256Hex(other) });
    const patched = await gw.app.request("/admin/keys/key_other", {
      method: "PATCH",
      headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "other" }),
    });
    expect(patched.status).toBe(200);
    expect((await gw.models(other)).status).toBe(200);
  });
});
