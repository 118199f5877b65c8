import { describe, expect, it } from "vitest";
import { type ConfigInput, parseConfig } from "../../src/config/index.js";
import { placementAllows } from "../../src/router/placement.js";
import { targetOrder } from "../../src/router/strategy.js";
import { strategyRouter } from "../../src/router/strategy-router.js";
import { buildUpstreams } from "../../src/upstream/upstreams.js";
import { seededRandom } from "./seeded-random.js";

const backends = {
  "gpu-a": {
    type: "openai-compatible",
    baseUrl: "http://127.0.0.1:1/v1",
    tags: ["local"],
    maxConcurrency: 4,
  },
  "gpu-b": { type: "openai-compatible", baseUrl: "http://127.0.0.1:2/v1", tags: ["local"] },
  cloud: { type: "openai-compatible", baseUrl: "http://127.0.0.1:3/v1", tags: ["cloud"] },
} as const;

function routerFor(models: ConfigInput["models"], seed = 1) {
  const config = parseConfig({ backends, models }, {});
  return { config, router: strategyRouter(config, buildUpstreams(config), seededRandom(seed)) };
}

const targets = [
  { backend: "gpu-a", model: "Qwen/QwQ-32B" },
  { backend: "gpu-b", model: "Qwen/QwQ-32B" },
  { backend: "cloud", model: "qwq-32b" },
];
const anyone = { keyId: "k1", tenant: "t1" };

describe("targetOrder", () => {
  it("fallback and spillover keep the listed order", () => {
    const { config } = routerFor({
      f: { strategy: "fallback", targets },
      s: {
        strategy: "spillover",
        targets: targets.map((t) => ({ ...t, maxConcurrency: 2 })),
      },
    });
    expect(targetOrder(config.models.f!, Math.random)).toEqual([0, 1, 2]);
    expect(targetOrder(config.models.s!, Math.random)).toEqual([0, 1, 2]);
  });

  it("weighted picks first by weight (seeded) and keeps every target as a fallback", () => {
    const { config } = routerFor({
      w: {
        strategy: "weighted",
        targets: [
          { backend: "gpu-a", model: "m", weight: 3 },
          { backend: "cloud", model: "m", weight: 1 },
        ],
      },
    });
    const random = seededRandom(42);
    const firsts = [0, 0];
    for (let i = 0; i < 4_000; i++) {
      const order = targetOrder(config.models.w!, random);
      expect([...order].sort()).toEqual([0, 1]);
      firsts[order[0]!]!++;
    }
    // 3:1 weights: about 75% first picks for gpu-a (±3 points is > 6 standard deviations).
    expect(firsts[0]! / 4_000).toBeGreaterThan(0.72);
    expect(firsts[0]! / 4_000).toBeLessThan(0.78);
  });

  it("the same seed gives the same choices", () => {
    const { config } = routerFor({ w: { strategy: "weighted", targets } });
    const a = seededRandom(9);
    const b = seededRandom(9);
    const runA = Array.from({ length: 20 }, () => targetOrder(config.models.w!, a).join(""));
    const runB = Array.from({ length: 20 }, () => targetOrder(config.models.w!, b).join(""));
    expect(runA).toEqual(runB);
    expect(new Set(runA).size).toBeGreaterThan(1);
  });
});

describe("strategyRouter", () => {
  it("plans candidates with backend names; capacity only for spillover", () => {
    const { config, router } = routerFor({
      f: { strategy: "fallback", targets },
      s: {
        strategy: "spillover",
        targets: [
          { backend: "gpu-a", model: "m" },
          { backend: "gpu-b", model: "m", maxConcurrency: 2 },
          { backend: "cloud", model: "m" },
        ],
      },
    });
    const f = router.plan({ name: "f", config: config.models.f! }, anyone);
    expect(f.map((c) => [c.backend, c.model, c.capacity])).toEqual([
      ["gpu-a", "Qwen/QwQ-32B", undefined],
      ["gpu-b", "Qwen/QwQ-32B", undefined],
      ["cloud", "qwq-32b", undefined],
    ]);
    const s = router.plan({ name: "s", config: config.models.s! }, anyone);
    // The target's own limit wins over the backend's; no limit anywhere: none.
    expect(s.map((c) => [c.backend, c.capacity])).toEqual([
      ["gpu-a", 4],
      ["gpu-b", 2],
      ["cloud", undefined],
    ]);
  });

  it("a key restricted to tags only gets backends carrying one of them", () => {
    const { config, router } = routerFor({ f: { strategy: "weighted", targets } });
    for (let i = 0; i < 20; i++) {
      const plan = router.plan(
        { name: "f", config: config.models.f! },
        { ...anyone, tags: ["local"] },
      );
      expect(plan.map((c) => c.backend).sort()).toEqual(["gpu-a", "gpu-b"]);
    }
    const cloudOnly = router.plan(
      { name: "f", config: config.models.f! },
      { ...anyone, tags: ["cloud"] },
    );
    expect(cloudOnly.map((c) => c.backend)).toEqual(["cloud"]);
    const none = router.plan({ name: "f", config: config.models.f! }, { ...anyone, tags: ["eu"] });
    expect(none).toEqual([]);
  });
});

describe("placementAllows", () => {
  it("no key tags: anything; key tags: any overlap", () => {
    expect(placementAllows(undefined, [])).toBe(true);
    expect(placementAllows([], ["cloud"])).toBe(true);
    expect(placementAllows(["local"], ["local", "gpu"])).toBe(true);
    expect(placementAllows(["local"], ["cloud"])).toBe(false);
    expect(placementAllows(["local"], [])).toBe(false);
  });
});
