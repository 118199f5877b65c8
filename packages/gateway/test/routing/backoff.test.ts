import { describe, expect, it } from "vitest";
import { fullJitter } from "../../src/router/backoff.js";
import { retryAfterMs } from "../../src/upstream/retry-after.js";
import { seededRandom } from "./seeded-random.js";

describe("fullJitter", () => {
  const options = { baseMs: 100, maxMs: 1_000 };

  it("spans 0 up to the exponential step", () => {
    expect(fullJitter(0, options, () => 0)).toBe(0);
    expect(fullJitter(0, options, () => 0.999)).toBe(99);
    expect(fullJitter(2, options, () => 0.999)).toBe(399);
  });

  it("never exceeds the cap, however many retries", () => {
    expect(fullJitter(3, options, () => 0.999)).toBe(799);
    expect(fullJitter(4, options, () => 0.999)).toBe(999);
    expect(fullJitter(500, options, () => 0.999)).toBe(999);
  });

  it("spreads delays out rather than repeating one", () => {
    const random = seededRandom(7);
    const delays = new Set(Array.from({ length: 50 }, () => fullJitter(4, options, random)));
    expect(delays.size).toBeGreaterThan(40);
    for (const d of delays) expect(d).toBeLessThan(1_000);
  });
});

describe("retryAfterMs", () => {
  const now = Date.parse("2026-11-25T12:00:00Z");

  it("reads delta-seconds, fractional too", () => {
    expect(retryAfterMs("3", now)).toBe(3_000);
    expect(retryAfterMs(" 0.5 ", now)).toBe(500);
  });

  it("reads an HTTP date, never negative", () => {
    expect(retryAfterMs("Wed, 25 Nov 2026 12:00:07 GMT", now)).toBe(7_000);
    expect(retryAfterMs("Wed, 25 Nov 2026 11:00:00 GMT", now)).toBe(0);
  });

  it("is null when absent or unreadable", () => {
    expect(retryAfterMs(null, now)).toBeNull();
    expect(retryAfterMs(undefined, now)).toBeNull();
    expect(retryAfterMs("soon", now)).toBeNull();
    expect(retryAfterMs("-5", now)).toBeNull();
  });
});
