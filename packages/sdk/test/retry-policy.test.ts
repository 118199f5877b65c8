import { describe, expect, it } from "vitest";
import { parseRetryAfter } from "../src/errors.js";
import { isRetryableStatus, retryDelayMs } from "../src/retry-policy.js";

describe("retry policy", () => {
  it("retries 408, 409, 429 and 5xx only", () => {
    expect(
      [400, 401, 403, 404, 408, 409, 413, 422, 429, 500, 502, 503, 504].filter(isRetryableStatus),
    ).toEqual([408, 409, 429, 500, 502, 503, 504]);
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("3", now)).toBe(3);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", now)).toBe(5);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:59:00 GMT", now)).toBe(0); // in the past
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter("-1", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it("honours the server's delay, but not an absurd one", () => {
    const h = (v: Record<string, string>) => new Headers(v);
    expect(retryDelayMs(0, h({ "retry-after": "2" }), () => 0.5)).toBe(2000);
    expect(retryDelayMs(0, h({ "retry-after-ms": "150" }), () => 0.5)).toBe(150);
    // An hour is capped: our own backoff instead.
    expect(retryDelayMs(0, h({ "retry-after": "3600" }), () => 0.5)).toBe(250);
  });

  it("backs off exponentially with full jitter, capped at 8 s", () => {
    expect(retryDelayMs(0, undefined, () => 1)).toBe(500);
    expect(retryDelayMs(1, undefined, () => 1)).toBe(1000);
    expect(retryDelayMs(3, undefined, () => 1)).toBe(4000);
    expect(retryDelayMs(10, undefined, () => 1)).toBe(8000);
    expect(retryDelayMs(3, undefined, () => 0)).toBe(0);
    expect(retryDelayMs(3, undefined, () => 0.25)).toBe(1000);
  });
});
