import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp, parseConfig } from "../../src/index.js";
import { createMemoryStore } from "../../src/store/memory.js";
import { createTenancy, type TenancyHandle } from "../../src/tenancy/index.js";

// A client's x-request-id is kept as the request's id when it is sane, and clients reuse theirs
// (a constant header, a retry that sends the same one). Found here: the concurrency lease was
// keyed by that id, so requests sharing one shared one slot: a fixed x-request-id ran any
// number of requests past a concurrency limit, and the first to finish freed the slot the
// others were still using.

const KEY = "tg-request-id-reuse";
const config = parseConfig(
  {
    backends: { up: { type: "openai-compatible", baseUrl: "http://up.test/v1" } },
    models: { qwq: { targets: [{ backend: "up", model: "m" }] } },
    keys: [{ id: "k1", key: KEY, tenant: "t", limits: { concurrency: 2 } }],
  },
  {},
);

/** An upstream whose streams stay open (after a first event) until released. */
function heldUpstream() {
  const open: Array<ReadableStreamDefaultController<Uint8Array>> = [];
  const fetchFn = (async () => {
    const first = `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { role: "assistant", content: "hi" }, finish_reason: null }] })}\n\n`;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(first));
        open.push(controller);
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  }) as typeof fetch;
  const finishAll = () => {
    const end = `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}\n\ndata: [DONE]\n\n`;
    for (const c of open.splice(0)) {
      c.enqueue(new TextEncoder().encode(end));
      c.close();
    }
  };
  return { fetchFn, finishAll };
}

let tenancy: TenancyHandle | undefined;
afterEach(async () => {
  await tenancy?.close();
});

describe("requests that share an x-request-id", () => {
  it("each take their own concurrency slot", async () => {
    const store = createMemoryStore();
    tenancy = await createTenancy({
      store,
      configKeys: config.keys,
      log: () => {},
    });
    const upstream = heldUpstream();
    const app = createApp({ config, tenancy, fetch: upstream.fetchFn });
    const ask = () =>
      app.request("/v1/chat/completions", {
        method: "POST",
        headers: {
          authorization: `Bearer ${KEY}`,
          "content-type": "application/json",
          "x-request-id": "same-id-every-time",
        },
        body: JSON.stringify({
          model: "qwq",
          stream: true,
          messages: [{ role: "user", content: "x" }],
        }),
      });

    const first = await ask();
    const second = await ask();
    expect([first.status, second.status]).toEqual([200, 200]);
    // Two streams are open: a third is over the limit, whatever id it carries.
    const third = await ask();
    expect(third.status).toBe(429);
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe(
      "rate_limit_exceeded",
    );

    // When both end, both slots come back.
    upstream.finishAll();
    await Promise.all([first.text(), second.text()]);
    // Their leases are released as they settle, just after the bodies end: waited for.
    await vi.waitFor(
      async () => {
        const probe = await store.acquireLease("conc:t/k1", 1_000_000, "probe", 60_000);
        await store.releaseLease("conc:t/k1", "probe");
        expect(probe.active).toBe(1);
      },
      { timeout: 10_000 },
    );
    const again = [await ask(), await ask()];
    expect(again.map((r) => r.status)).toEqual([200, 200]);
    upstream.finishAll();
    await Promise.all(again.map((r) => r.text()));
  });
});
