import { describe, expect, it } from "vitest";
import { distribution, median, medianOfRounds, percentiles, quantile } from "../src/stats.js";

describe("stats", () => {
  it("interpolates quantiles between samples", () => {
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(quantile([10, 20], 0.9)).toBe(19);
    expect(median([])).toBeNaN();
  });

  it("summarises p50/p90/p99/max of unsorted samples", () => {
    const values = Array.from({ length: 101 }, (_, i) => 100 - i);
    expect(percentiles(values)).toEqual({ n: 101, p50: 50, p90: 90, p99: 99, max: 100 });
  });

  it("keeps p0..p100 with p99.9 in a distribution", () => {
    const d = distribution(Array.from({ length: 1001 }, (_, i) => i));
    expect(d).toHaveLength(102);
    expect(d[50]).toBe(500);
    expect(d[100]).toBe(999);
    expect(d[101]).toBe(1000);
  });

  it("takes the median of each field over rounds", () => {
    expect(
      medianOfRounds([
        { a: 1, b: 9 },
        { a: 3, b: 7 },
        { a: 2, b: 8 },
      ]),
    ).toEqual({ a: 2, b: 8 });
  });
});
