import { monitorEventLoopDelay } from "node:perf_hooks";
import { type Emulator, emuPrompt, startEmulator } from "@thinkgate/emulator";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { buildDeployBundle } from "./bundle.js";

// A client that gives up while the gateway is still waiting on its upstream, with no response
// bytes yet to fail on: only request.signal can tell the Worker. workerd's local HTTP server
// notices a gone client only when it writes to it, so here the client is another Worker calling
// through a service binding and aborting; workerd cancels the callee's request as Cloudflare's
// edge does when a browser goes away. The gateway runs as deployed: the `wrangler deploy` bundle
// with the root wrangler.toml's compatibility date and flags, next to a copy without
// enable_request_signal to show what the flag is for.

const apiKey = "tg-cancel-test-key";

// Forwards the request to the gateway named by ?gateway= and aborts it after ?abortAfterMs=.
const caller = `
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const gateway = env[url.searchParams.get("gateway")];
    const abortAfterMs = Number(url.searchParams.get("abortAfterMs") ?? 0);
    const init = { method: request.method, headers: request.headers, body: await request.text() };
    if (abortAfterMs > 0) init.signal = AbortSignal.timeout(abortAfterMs);
    try {
      const res = await gateway.fetch("http://gateway" + url.pathname, init);
      return new Response(await res.text(), { status: res.status, headers: res.headers });
    } catch (err) {
      return Response.json({ callerGaveUp: err.name }, { status: 599 });
    }
  },
};`;

let emulator: Emulator;
let mf: Miniflare;
// The longest hold-up of this process's event loop: a measure of how loaded the machine is, by
// which the caller's abort timer (in workerd) and the gateway's reaction may be late too.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });

beforeAll(async () => {
  emulator = await startEmulator();
  const bundle = await buildDeployBundle();
  const toml = unstable_readConfig({ config: `${import.meta.dirname}/../../../wrangler.toml` });
  const flags: string[] = toml.compatibility_flags;
  expect(flags).toContain("enable_request_signal");
  const bindings = {
    THINKGATE_CONFIG: JSON.stringify({
      backends: { vllm: { type: "openai-compatible", baseUrl: `${emulator.url}/vllm/v1` } },
      models: { "qwq-32b": { targets: [{ backend: "vllm", model: "Qwen/QwQ-32B" }] } },
      keys: [{ key: apiKey, tenant: "cancel", limits: { concurrency: 1 } }],
    }),
  };
  const gateway = (name: string, compatibilityFlags: string[]) => ({
    name,
    // Listed, not located: Miniflare's module scanner rejects the bundle's one dynamic import
    // (the Node-only redis store, never reached on Workers), which Cloudflare accepts.
    modules: [{ type: "ESModule" as const, path: "index.js", contents: bundle }],
    compatibilityDate: toml.compatibility_date,
    compatibilityFlags,
    bindings,
  });
  mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    cf: false,
    workers: [
      {
        name: "caller",
        modules: true,
        script: caller,
        compatibilityDate: toml.compatibility_date,
        serviceBindings: { WITH_SIGNAL: "gateway", WITHOUT_SIGNAL: "gateway-without-signal" },
      },
      gateway("gateway", flags),
      gateway(
        "gateway-without-signal",
        flags.filter((f) => f !== "enable_request_signal"),
      ),
    ],
  });
  await mf.ready;
  loopDelay.enable();
}, 90_000);

afterAll(async () => {
  loopDelay.disable();
  await emulator?.close();
  await mf?.dispose();
});

function chat(gateway: string, spec: Parameters<typeof emuPrompt>[0], abortAfterMs = 0) {
  return mf.dispatchFetch(
    `http://caller/v1/chat/completions?gateway=${gateway}&abortAfterMs=${abortAfterMs}`,
    {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "qwq-32b",
        messages: [{ role: "user", content: emuPrompt(spec) }],
      }),
    },
  );
}

const ABORT_AFTER_MS = 1000;
/**
 * A non-streaming request whose upstream takes 12 s, abandoned by its caller after 1 s (time for
 * the gateway to reach the upstream, however loaded the machine). Whether the upstream is still
 * open is asked 6 s after the start: halfway through its answer.
 */
async function abandon(gateway: string) {
  const before = emulator.requests.length;
  const startedAt = Date.now();
  const res = await chat(gateway, { chunks: 30, chunkDelayMs: 200 }, ABORT_AFTER_MS);
  expect(res.status).toBe(599);
  expect(await res.json()).toEqual({ callerGaveUp: "TimeoutError" });
  const upstream = emulator.requests.slice(before).find((r) => r.dialect === "vllm");
  expect(upstream).toBeDefined();
  const closed = await Promise.race([
    upstream?.done.then(() => "closed"),
    new Promise((done) => setTimeout(() => done("still open"), startedAt + 6000 - Date.now())),
  ]);
  return { closed, upstream, abortedAt: startedAt + ABORT_AFTER_MS };
}

describe("a caller that gives up on a non-streaming request", () => {
  it("cancels the upstream call and frees the key's concurrency slot at once", async () => {
    const { closed, upstream, abortedAt } = await abandon("WITH_SIGNAL");
    expect(closed).toBe("closed");
    expect(upstream?.closedByClient).toBe(true);
    // Within a second, plus the machine's hold-ups (the abort timer's lateness included).
    expect((upstream?.closedAt ?? Infinity) - abortedAt).toBeLessThan(1000 + loopDelay.max / 1e6);
    // concurrency: 1 — the next request is admitted only if the abandoned one settled its lease.
    const next = await chat("WITH_SIGNAL", {});
    expect(next.status).toBe(200);
  });

  it("without enable_request_signal, the gateway never learns: the upstream runs on for nobody", async () => {
    const { closed, upstream } = await abandon("WITHOUT_SIGNAL");
    expect(closed).toBe("still open");
    expect(upstream?.closedByClient).toBe(false);
  });
});
