import { emuPrompt } from "@thinkgate/emulator";
import { APIError } from "openai";
import { describe, expect, it } from "vitest";
import { faultPlan } from "./fault-plan.js";
import { backendsOn, KEYS, seen, startGateway, useEmulator } from "./gateway-harness.js";
import { manualClock } from "./seeded-random.js";

// The breaker through the whole gateway (an injected clock moves the cooldown), tenant
// placement, per-model defaults, aliases and the model list.

const emu = useEmulator();
const prompt = () => [{ role: "user" as const, content: emuPrompt({}) }];
const pool = {
  "qwq-32b": {
    aliases: ["qwq"],
    targets: [
      { backend: "gpu-a", model: "Qwen/QwQ-32B" },
      { backend: "gpu-b", model: "Qwen/QwQ-32B" },
      { backend: "cloud", model: "qwq-32b" },
    ],
  },
  "cloud-only": { targets: [{ backend: "cloud", model: "qwq-plus" }] },
};

describe("circuit breaker", () => {
  it("opens after consecutive failed requests, skips the dead box at no cost, probes once after the cooldown, closes", async () => {
    const clock = manualClock();
    let gpuDown = true;
    const gw = startGateway(
      {
        backends: backendsOn(emu.url),
        models: pool,
        routing: { breaker: { failureThreshold: 2, cooldownMs: 30_000 } },
      },
      {
        now: clock.now,
        fetch: faultPlan({ [`${emu.url}/vllm/`]: () => (gpuDown ? { status: 500 } : undefined) }),
      },
    );
    const ask = async () => {
      const { response } = await gw
        .client()
        .chat.completions.create({ model: "qwq-32b", messages: prompt() })
        .withResponse();
      const line = await gw.line(response.headers.get("x-request-id"));
      return {
        backend: response.headers.get("x-thinkgate-backend"),
        log: line.attemptLog as Array<{ backend: string; outcome: string; code?: string }>,
      };
    };

    const start = emu.emulator.requests.length;
    // Two requests find gpu-a failing (each is served by gpu-b after it).
    for (let i = 0; i < 2; i++) {
      const r = await ask();
      expect(r.backend).toBe("gpu-b");
      expect(r.log[0]).toMatchObject({ backend: "gpu-a", outcome: "failed" });
    }
    expect(seen(emu.emulator, "vllm", start)).toHaveLength(2);

    // Open: gpu-a is passed over without a request.
    const open = emu.emulator.requests.length;
    for (let i = 0; i < 3; i++) {
      const r = await ask();
      expect(r.backend).toBe("gpu-b");
      expect(r.log[0]).toEqual({
        backend: "gpu-a",
        outcome: "skipped",
        code: "circuit_open",
        ms: 0,
      });
    }
    expect(seen(emu.emulator, "vllm", open)).toHaveLength(0);

    // The cooldown passes while the box is still down: one probe, it fails, open again.
    clock.advance(30_000);
    const probe1 = emu.emulator.requests.length;
    expect((await ask()).log[0]).toMatchObject({ backend: "gpu-a", outcome: "failed" });
    expect((await ask()).log[0]).toMatchObject({ backend: "gpu-a", outcome: "skipped" });
    expect(seen(emu.emulator, "vllm", probe1)).toHaveLength(1);

    // The box comes back; after the next cooldown the probe succeeds and the circuit closes.
    gpuDown = false;
    clock.advance(30_000);
    expect((await ask()).backend).toBe("gpu-a");
    expect((await ask()).backend).toBe("gpu-a");
  });
});

describe("tenant placement", () => {
  const gatewayWithBoxes = (down: boolean) =>
    startGateway(
      { backends: backendsOn(emu.url), models: pool },
      {
        fetch: faultPlan({
          [`${emu.url}/vllm/`]: () => (down ? { status: 500 } : undefined),
          [`${emu.url}/sglang/`]: () => (down ? { status: 503 } : undefined),
        }),
      },
    );

  it("a local-only key is served by its own hardware", async () => {
    const gw = gatewayWithBoxes(false);
    const { response } = await gw
      .client(KEYS.local)
      .chat.completions.create({ model: "qwq-32b", messages: prompt() })
      .withResponse();
    expect(response.headers.get("x-thinkgate-backend")).toBe("gpu-a");
  });

  it("with its boxes down it gets 503, never the cloud; an unrestricted key still gets the cloud", async () => {
    const gw = gatewayWithBoxes(true);
    const before = emu.emulator.requests.length;
    const err = (await gw
      .client(KEYS.local)
      .chat.completions.create({ model: "qwq-32b", messages: prompt() })
      .catch((e: unknown) => e)) as APIError;
    expect(err).toBeInstanceOf(APIError);
    expect(err.status).toBe(503);
    expect(err.code).toBe("no_backend_available");
    expect(seen(emu.emulator, "dashscope", before)).toHaveLength(0);
    expect(seen(emu.emulator, "vllm", before).length).toBeGreaterThan(0);
    expect(seen(emu.emulator, "sglang", before).length).toBeGreaterThan(0);

    const { response } = await gw
      .client(KEYS.anyone)
      .chat.completions.create({ model: "qwq-32b", messages: prompt() })
      .withResponse();
    expect(response.headers.get("x-thinkgate-backend")).toBe("cloud");
  });

  it("a model only the cloud serves is not listed for a local-only key, and refused", async () => {
    const gw = gatewayWithBoxes(false);
    const local = await gw.client(KEYS.local).models.list();
    expect(local.data.map((m) => m.id)).toEqual(["qwq-32b"]);
    const anyone = await gw.client(KEYS.anyone).models.list();
    expect(anyone.data.map((m) => m.id)).toEqual(["qwq-32b", "cloud-only"]);
    const err = (await gw
      .client(KEYS.local)
      .chat.completions.create({ model: "cloud-only", messages: prompt() })
      .catch((e: unknown) => e)) as APIError;
    expect(err.status).toBe(403);
    expect(err.code).toBe("no_allowed_backend");
  });
});

describe("per-model defaults and aliases", () => {
  const models = {
    "qwq-32b": {
      aliases: ["qwq"],
      defaults: { temperature: 0.6, top_p: 0.95, top_k: 30 },
      maxTokens: 8_192,
      targets: [
        { backend: "gpu-a", model: "Qwen/QwQ-32B" },
        { backend: "cloud", model: "qwq-32b" },
      ],
    },
  };

  it("fill in QwQ's sampling where the client sent none; keep what it sent; cap max_tokens", async () => {
    const gw = startGateway({ backends: backendsOn(emu.url), models });
    const before = emu.emulator.requests.length;
    await gw.client().chat.completions.create({ model: "qwq", messages: prompt() });
    await gw.client().chat.completions.create({
      model: "qwq-32b",
      messages: prompt(),
      temperature: 0.2,
      max_tokens: 100_000,
    });
    const [first, second] = seen(emu.emulator, "vllm", before).map((r) => r.body);
    expect(first).toMatchObject({
      model: "Qwen/QwQ-32B",
      temperature: 0.6,
      top_p: 0.95,
      top_k: 30,
      max_tokens: 8_192,
    });
    expect(second).toMatchObject({ temperature: 0.2, top_p: 0.95, max_tokens: 8_192 });
  });

  it("never send top_k to a backend that declares it rejects it", async () => {
    const gw = startGateway({
      backends: backendsOn(emu.url, { "gpu-a": { params: { drop: ["top_k"] } } }),
      models,
    });
    const before = emu.emulator.requests.length;
    await gw.client().chat.completions.create({ model: "qwq", messages: prompt() });
    const [sent] = seen(emu.emulator, "vllm", before).map((r) => r.body as Record<string, unknown>);
    expect(sent).toMatchObject({ temperature: 0.6, top_p: 0.95 });
    expect(sent).not.toHaveProperty("top_k");
  });

  it("an alias answers under the model's own name", async () => {
    const gw = startGateway({ backends: backendsOn(emu.url), models });
    const completion = await gw
      .client()
      .chat.completions.create({ model: "qwq", messages: prompt() });
    expect(completion.model).toBe("qwq-32b");
  });
});
