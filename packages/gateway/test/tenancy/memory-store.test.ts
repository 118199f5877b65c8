import { describe, expect, it } from "vitest";
import { createMemoryStore } from "../../src/store/memory.js";

describe("memory store", () => {
  it("keeps a bounded number of rate counters however many windows go by", async () => {
    let now = 1_700_000_000_000;
    const store = createMemoryStore({ now: () => now });
    const keys = 100;
    let largest = 0;
    for (let window = 0; window < 1000; window++) {
      for (let k = 0; k < keys; k++) {
        await store.slidingWindow(`rpm:t/k${k}`, 60, 60_000, 1);
        await store.reserve(`tpm:t/k${k}`, 10_000, 60_000, 50);
        await store.charge(`tpm:t/k${k}`, 60_000, -20);
      }
      largest = Math.max(largest, store.counterCount());
      now += 60_000;
    }
    // Live: two counters (rpm, tpm) per key in the current and the previous window.
    const live = keys * 2 * 2;
    expect(largest).toBeLessThanOrEqual(2 * live + 64);
  });
});
