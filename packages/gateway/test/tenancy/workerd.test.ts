import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/tenancy/key-secret.js";
import { useStores } from "./stores.js";

// Tenancy inside workerd (the Workers runtime, through Miniflare) on the Upstash store: the
// bundle must contain no Node built-ins, and limits and usage must hold as on Node.

const stores = useStores();
let mf: Miniflare;
const prefix = `workerd-${Date.now()}:`;

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL("./fixtures/tenancy-worker.ts", import.meta.url))],
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    write: false,
    logLevel: "silent",
  });
  mf = new Miniflare({
    modules: [{ type: "ESModule", path: "/worker.js", contents: bundle.outputFiles[0]!.text }],
    modulesRoot: "/",
    compatibilityDate: "2025-09-01",
    bindings: {
      UPSTASH_URL: stores.upstash.url,
      UPSTASH_TOKEN: "tenancy-test-token",
      PREFIX: prefix,
      ADMIN: "worker-admin",
    },
  });
  await mf.ready;
}, 60_000);

afterAll(async () => {
  await mf?.dispose();
});

describe("tenancy inside workerd on Upstash", () => {
  it("creates a key, enforces its rpm under a burst, and writes usage after the response", async () => {
    const created = await mf.dispatchFetch("http://worker/admin/keys", {
      method: "POST",
      headers: { authorization: "Bearer worker-admin", "content-type": "application/json" },
      body: JSON.stringify({ tenant: "edge", limits: { rpm: 5, concurrency: 10 } }),
    });
    expect(created.status).toBe(201);
    const key = (await created.json()) as { id: string; key: string };
    const hash = await sha256Hex(key.key);

    const results = await Promise.all(
      Array.from({ length: 12 }, () => mf.dispatchFetch(`http://worker/admit?hash=${hash}`)),
    );
    const bodies = (await Promise.all(results.map((r) => r.json()))) as Array<{
      ok: boolean;
      limit?: string;
      headers?: Record<string, string>;
    }>;
    expect(bodies.filter((b) => b.ok)).toHaveLength(5);
    expect(bodies.filter((b) => !b.ok).every((b) => b.limit === "rpm")).toBe(true);
    expect(bodies.find((b) => b.ok)?.headers?.["x-ratelimit-limit-requests"]).toBe("5");

    // waitUntil work (settle, usage) lands after the responses: poll the shared store.
    const { createUpstashStore } = await import("../../src/store/upstash.js");
    const store = createUpstashStore({
      url: stores.upstash.url,
      token: "tenancy-test-token",
      prefix,
    });
    const today = new Date().toISOString().slice(0, 10);
    const deadline = Date.now() + 20_000; // a hang detector: the loop ends as soon as it holds
    let totals = (await store.readUsage("edge", today, today))[0]?.totals;
    while (totals?.requests !== 5 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      totals = (await store.readUsage("edge", today, today))[0]?.totals;
    }
    expect(totals).toEqual({
      requests: 5,
      promptTokens: 15,
      completionTokens: 20,
      reasoningTokens: 10,
      errors: 0,
    });
  });
});
