import { emuPrompt } from "@thinkgate/emulator";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/index.js";
import { storeInFlight } from "../../src/router/index.js";
import { targetOrder } from "../../src/router/strategy.js";
import { createTenancy } from "../../src/tenancy/index.js";
import { useStores } from "../tenancy/stores.js";
import { faultPlan } from "./fault-plan.js";
import {
  backendsOn,
  type Gateway,
  KEYS,
  seen,
  startGateway,
  useEmulator,
} from "./gateway-harness.js";
import { seededRandom } from "./seeded-random.js";

// Each strategy's choice through the whole gateway: weighted (seeded), spillover under
// concurrent load (in one process and across two instances sharing Redis).

const emu = useEmulator();
const stores = useStores();
const prompt = (spec = {}) => [{ role: "user" as const, content: emuPrompt(spec) }];

async function servedBy(gw: Gateway, model: string): Promise<string> {
  const { response } = await gw
    .client()
    .chat.completions.create({ model, messages: prompt() })
    .withResponse();
  return response.headers.get("x-thinkgate-backend") ?? "";
}

describe("weighted", () => {
  it("splits by weight, exactly as the seeded random says", async () => {
    const models = {
      pool: {
        strategy: "weighted" as const,
        targets: [
          { backend: "gpu-a", model: "Qwen/QwQ-32B", weight: 3 },
          { backend: "cloud", model: "qwq-32b", weight: 1 },
        ],
      },
    };
    const gw = startGateway(
      { backends: backendsOn(emu.url), models },
      { routing: { random: seededRandom(11) } },
    );
    const served: string[] = [];
    for (let i = 0; i < 40; i++) served.push(await servedBy(gw, "pool"));

    // The same seed through the strategy alone predicts every choice.
    const config = parseConfig({ backends: backendsOn(emu.url), models }, {});
    const predict = seededRandom(11);
    const names = ["gpu-a", "cloud"];
    const expected = served.map(() => names[targetOrder(config.models.pool!, predict)[0]!]);
    expect(served).toEqual(expected);
    const gpu = served.filter((b) => b === "gpu-a").length;
    expect(gpu).toBeGreaterThan(20);
    expect(gpu).toBeLessThan(40);
  });
});

describe("weighted, with its heavy target failing", () => {
  it("every request still gets served: the other targets are its fallbacks", async () => {
    const gw = startGateway(
      {
        backends: backendsOn(emu.url),
        models: {
          pool: {
            strategy: "weighted" as const,
            targets: [
              { backend: "gpu-a", model: "Qwen/QwQ-32B", weight: 9 },
              { backend: "cloud", model: "qwq-32b", weight: 1 },
            ],
          },
        },
      },
      {
        fetch: faultPlan({ [`${emu.url}/vllm/`]: () => ({ status: 503 }) }),
        routing: { random: seededRandom(5) },
      },
    );
    for (let i = 0; i < 8; i++) expect(await servedBy(gw, "pool")).toBe("cloud");
  });
});

const spillover = {
  "qwq-32b": {
    strategy: "spillover" as const,
    targets: [
      { backend: "gpu-a", model: "Qwen/QwQ-32B" },
      { backend: "cloud", model: "qwq-32b" },
    ],
  },
};

/** Opens a stream on the gateway and reads its first chunk; the rest is left hanging. */
async function holdStream(gw: Gateway) {
  const res = await gw.post({ model: "qwq-32b", stream: true, messages: prompt() });
  const reader = res.body!.getReader();
  await reader.read();
  return { backend: res.headers.get("x-thinkgate-backend"), close: () => reader.cancel() };
}

describe("spillover", () => {
  // The GPU box streams two events, then holds its streams open: requests stay in flight.
  const holdingGpu = () => faultPlan({ [`${emu.url}/vllm/`]: () => ({ hang: 2 }) });

  it("fills the GPU box up to maxConcurrency, spills the rest to the cloud, and takes it back as streams end", async () => {
    const gw = startGateway(
      { backends: backendsOn(emu.url, { "gpu-a": { maxConcurrency: 2 } }), models: spillover },
      { fetch: holdingGpu() },
    );
    const held = await Promise.all([holdStream(gw), holdStream(gw)]);
    expect(held.map((h) => h.backend)).toEqual(["gpu-a", "gpu-a"]);

    // Full: three more at once go to the cloud, none to the GPU box.
    const before = emu.emulator.requests.length;
    const burst = await Promise.all([
      servedBy(gw, "qwq-32b"),
      servedBy(gw, "qwq-32b"),
      servedBy(gw, "qwq-32b"),
    ]);
    expect(burst).toEqual(["cloud", "cloud", "cloud"]);
    expect(seen(emu.emulator, "vllm", before)).toHaveLength(0);
    const line = gw.logs.at(-1)!;
    expect(line.attemptLog).toEqual([
      { backend: "gpu-a", outcome: "skipped", code: "at_capacity", ms: 0 },
      { backend: "cloud", outcome: "served", ms: expect.any(Number) },
    ]);

    // One stream ends (the client left): its place on the GPU box is free again.
    await held[0]!.close();
    await expect.poll(async () => (await holdStream(gw)).backend).toBe("gpu-a");
    await held[1]!.close();
  });

  it("keeps reserved slots for a key pinned to the GPU boxes: unrestricted requests spill over first", async () => {
    const gw = startGateway(
      {
        backends: backendsOn(emu.url, { "gpu-a": { maxConcurrency: 2, reservedConcurrency: 1 } }),
        models: spillover,
      },
      { fetch: holdingGpu() },
    );
    const held = await holdStream(gw);
    expect(held.backend).toBe("gpu-a");
    // One slot is left, kept for requests that cannot go anywhere else.
    expect(await servedBy(gw, "qwq-32b")).toBe("cloud");
    const pinned = await gw.post(
      { model: "qwq-32b", stream: true, messages: prompt() },
      KEYS.local,
    );
    expect(pinned.status).toBe(200);
    expect(pinned.headers.get("x-thinkgate-backend")).toBe("gpu-a");
    await pinned.body?.cancel();
    await held.close();
  });

  it("counts across two gateway instances sharing a Redis store", async () => {
    const prefix = stores.newPrefix();
    const config = {
      backends: backendsOn(emu.url, { "gpu-a": { maxConcurrency: 2 } }),
      models: spillover,
    };
    const instance = async () =>
      startGateway(config, {
        fetch: holdingGpu(),
        routing: { inFlight: storeInFlight(await stores.make("redis", prefix)) },
      });
    const one = await instance();
    const two = await instance();
    const a = await holdStream(one);
    const b = await holdStream(two);
    expect([a.backend, b.backend]).toEqual(["gpu-a", "gpu-a"]);
    // Neither instance has two in flight itself, yet both see the box as full.
    expect(await servedBy(one, "qwq-32b")).toBe("cloud");
    expect(await servedBy(two, "qwq-32b")).toBe("cloud");
    await a.close();
    await expect
      .poll(async () => {
        const c = await holdStream(two);
        await c.close();
        return c.backend;
      })
      .toBe("gpu-a");
    await b.close();
  });

  it("uses the tenancy store's shared counts by itself when the store is Redis", async () => {
    const prefix = stores.newPrefix();
    const config = {
      backends: backendsOn(emu.url, { "gpu-a": { maxConcurrency: 1 } }),
      models: spillover,
    };
    const tenancyOn = async () =>
      createTenancy({ store: await stores.make("redis", prefix), log: () => {} });
    const one = startGateway(config, { fetch: holdingGpu(), tenancy: await tenancyOn() });
    const two = startGateway(config, { fetch: holdingGpu(), tenancy: await tenancyOn() });
    const held = await holdStream(one);
    expect(held.backend).toBe("gpu-a");
    expect(await servedBy(two, "qwq-32b")).toBe("cloud");
    await held.close();
  });
});
