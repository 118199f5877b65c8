import { describe, expect, it } from "vitest";
import type { Store } from "../../src/store/types.js";
import { createUsageRecorder, type UsageEvent } from "../../src/tenancy/usage-recorder.js";
import { STORE_TYPES, useStores } from "./stores.js";

const stores = useStores();
const today = () => new Date().toISOString().slice(0, 10);

function event(keyId: string, over: Partial<UsageEvent> = {}): UsageEvent {
  return {
    requestId: "r",
    tenant: "acme",
    keyId,
    model: "m",
    backend: null,
    promptTokens: 3,
    completionTokens: 5,
    reasoningTokens: 2,
    estimated: false,
    error: false,
    at: Date.now(),
    ...over,
  };
}

// A real store behind a switch: "down" refuses writes; "lose-answer" writes, then fails the call
// (the write landed, its answer did not: a timeout after the fact).
function faulty(store: Store) {
  const state = { mode: "up" as "up" | "down" | "lose-answer" };
  const wrapped: Store = {
    ...store,
    async addUsage(deltas, batchId) {
      if (state.mode === "down") throw new Error("ECONNREFUSED");
      await store.addUsage(deltas, batchId);
      if (state.mode === "lose-answer") {
        state.mode = "up";
        throw new Error("timed out");
      }
    },
  };
  return { wrapped, state };
}

describe.each(STORE_TYPES)("usage recorder on the %s store", (type) => {
  it("a batch whose answer was lost is written again and counted once", async () => {
    const store = await stores.make(type);
    const { wrapped, state } = faulty(store);
    const recorder = createUsageRecorder({ store: wrapped, log: () => {} });
    state.mode = "lose-answer";
    await recorder.record(event("k1"));
    expect(recorder.pending()).toBe(1);
    await recorder.flush();
    expect(recorder.pending()).toBe(0);
    const [day] = await store.readUsage("acme", today(), today());
    expect(day?.totals).toEqual({
      requests: 1,
      promptTokens: 3,
      completionTokens: 5,
      reasoningTokens: 2,
      errors: 0,
    });
    recorder.close();
  });

  it("while the store is down, counts merge per key; all of them are written when it is back", async () => {
    const store = await stores.make(type);
    const { wrapped, state } = faulty(store);
    const lines: Array<Record<string, unknown>> = [];
    const recorder = createUsageRecorder({ store: wrapped, log: (l) => lines.push(l) });
    state.mode = "down";
    for (let i = 0; i < 50; i++)
      await recorder.record(event(i % 2 ? "k1" : "k2", { error: i % 10 === 0 }));
    // The first batch waits as it was sent (k2); everything after merges into one entry per key.
    expect(recorder.pending()).toBe(3);
    expect(lines.at(-1)?.level).toBe("warn");
    state.mode = "up";
    await recorder.flush();
    const [day] = await store.readUsage("acme", today(), today());
    expect(day?.totals).toEqual({
      requests: 50,
      promptTokens: 150,
      completionTokens: 250,
      reasoningTokens: 100,
      errors: 5,
    });
    expect(day?.keys.k1?.requests).toBe(25);
    recorder.close();
  });

  it("beyond maxBuffered entries the oldest are dropped, and each drop is logged with its counts", async () => {
    const store = await stores.make(type);
    const { wrapped, state } = faulty(store);
    const lines: Array<Record<string, unknown>> = [];
    const recorder = createUsageRecorder({
      store: wrapped,
      maxBuffered: 2,
      log: (l) => lines.push(l),
    });
    state.mode = "down";
    await recorder.record(event("k1")); // in flight, kept for its retry
    for (const key of ["k2", "k3", "k4"]) await recorder.record(event(key));
    const dropped = lines.filter((l) => l.level === "error");
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toMatchObject({ keyId: "k2", requests: 1, promptTokens: 3 });
    recorder.close();
  });
});
