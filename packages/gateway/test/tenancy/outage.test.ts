import { describe, expect, it } from "vitest";
import { StoreUnavailableError } from "../../src/store/unavailable.js";
import { createTenancy } from "../../src/tenancy/index.js";
import { sha256Hex } from "../../src/tenancy/key-secret.js";
import { useStores } from "./stores.js";

// The store goes away mid-test (the real redis-server is killed) and comes back empty.

const stores = useStores();
const ADMIN = "admin";

async function until(check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not reached");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(["redis", "upstash"] as const)("store outage on %s", (type) => {
  it("keys: unknown keys refused (503), cached keys per policy; limits fail open or closed; usage buffered and flushed", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = (line: Record<string, unknown>) => lines.push(line);
    const prefix = stores.newPrefix();
    // Past any pause of a loaded machine while the store is up; what the store's being down
    // costs each call while it is not (Upstash's calls wait it out).
    const base = { adminToken: ADMIN, storeTimeoutMs: 1000, keyCacheTtlMs: 0, log };
    const reject = await createTenancy({ ...base, store: await stores.make(type, prefix) });
    const stale = await createTenancy({
      ...base,
      store: await stores.make(type, prefix),
      onStoreDown: { keys: "stale", limits: "closed" },
    });

    const created = (await (
      await reject.routes.request("/admin/keys", {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN}` },
        body: JSON.stringify({ tenant: "acme", limits: { rpm: 100 } }),
      })
    ).json()) as { id: string; key: string };
    const hash = await sha256Hex(created.key);
    expect((await stale.findKey(hash))?.id).toBe(created.id); // now in stale's cache
    const principal = { keyId: created.id, tenant: "acme", limits: { rpm: 100, concurrency: 5 } };
    const admit = (t: typeof reject, n: number) =>
      t.limiter.admit({ principal, estimatedTokens: 10, requestId: `r${n}` });
    expect((await admit(reject, 0)).ok).toBe(true);

    await stores.redis.stop();
    try {
      // Keys: "reject" lets no key in that only the store could vouch for.
      const refused = await reject.findKey(hash).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(StoreUnavailableError);
      const response = (refused as StoreUnavailableError).toResponse();
      expect(response.status).toBe(503);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
        "store_unavailable",
      );
      // "stale" serves a key this instance has seen, but still no unknown key.
      expect((await stale.findKey(hash))?.id).toBe(created.id);
      await expect(stale.findKey("f".repeat(64))).rejects.toBeInstanceOf(StoreUnavailableError);

      // Limits: open by default (admitted, no headers, a warning), closed on request (503).
      const open = await admit(reject, 1);
      expect(open.ok && open.lease.headers).toEqual({});
      expect(lines.some((l) => l.msg === "limits fail open: store unavailable")).toBe(true);
      await expect(admit(stale, 2)).rejects.toBeInstanceOf(StoreUnavailableError);

      // The admin API says so in OpenAI's shape.
      const admin = await reject.routes.request("/admin/keys", {
        headers: { authorization: `Bearer ${ADMIN}` },
      });
      expect(admin.status).toBe(503);

      // Usage: kept in memory, never an exception for the pipeline.
      for (let i = 0; i < 3; i++) {
        await reject.recordUsage({
          requestId: `u${i}`,
          tenant: "acme",
          keyId: created.id,
          model: "m",
          backend: null,
          promptTokens: 10,
          completionTokens: 20,
          reasoningTokens: 5,
          estimated: false,
          error: i === 2,
          at: Date.now(),
        });
      }
      // The first write, kept as it was for its retry, and the two later ones merged.
      expect(reject.usage.pending()).toBe(2);
      expect(lines.some((l) => String(l.msg).startsWith("store unavailable: usage kept"))).toBe(
        true,
      );
    } finally {
      await stores.redis.start();
    }

    // Back (and empty: the server kept nothing): the buffered usage is written, exactly.
    await until(async () => {
      await reject.usage.flush();
      return reject.usage.pending() === 0;
    });
    const today = new Date().toISOString().slice(0, 10);
    const days = await reject.store.readUsage("acme", today, today);
    expect(days[0]?.totals).toEqual({
      requests: 3,
      promptTokens: 30,
      completionTokens: 60,
      reasoningTokens: 15,
      errors: 1,
    });
    // And limits are enforced again.
    await until(async () => (await admit(stale, 3).catch(() => null))?.ok === true);
    const back = await admit(reject, 4);
    expect(back.ok && back.lease.headers["x-ratelimit-limit-requests"]).toBe("100");
    reject.usage.close();
    stale.usage.close();
  });
});
