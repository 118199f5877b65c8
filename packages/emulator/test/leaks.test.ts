import { type IncomingMessage, request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, emuPrompt, startEmulator } from "../src/index.js";
import { chat } from "./raw-client.js";

// In a file of its own: other tests' keep-alive connections carry timers that come and go and
// would blur the count.

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.close());

describe("no leaks", () => {
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

  // node:http without an agent: the client side holds no timers of its own to blur the count.
  it("a paced stream the client abandons leaves no timer behind", async () => {
    const before = timers();
    const body = JSON.stringify(
      chat(emuPrompt({ chunks: 500, chunkDelayMs: 50 }), { stream: true }),
    );
    const req = request(`${emu.url}/sglang/v1/chat/completions`, { method: "POST", agent: false });
    req.on("error", () => {});
    const res = await new Promise<IncomingMessage>((resolve) => {
      req.once("response", resolve);
      req.end(body);
    });
    await new Promise((resolve) => res.once("data", resolve));
    expect(timers()).toBeGreaterThan(before); // the emulator is waiting for the next chunk
    req.destroy();
    await emu.requests.at(-1)!.done;
    await new Promise((resolve) => setImmediate(resolve));
    expect(timers()).toBeLessThanOrEqual(before); // ≤: unrelated timers may expire meanwhile
  });

  it("nor does an abandoned heartbeat", async () => {
    const before = timers();
    const body = JSON.stringify(
      chat(emuPrompt({ hang: 2, keepAliveEveryMs: 20 }), { stream: true }),
    );
    const req = request(`${emu.url}/vllm/v1/chat/completions`, { method: "POST", agent: false });
    req.on("error", () => {});
    const res = await new Promise<IncomingMessage>((resolve) => {
      req.once("response", resolve);
      req.end(body);
    });
    await new Promise((resolve) => res.once("data", resolve));
    expect(timers()).toBeGreaterThan(before); // the heartbeat
    req.destroy();
    await emu.requests.at(-1)!.done;
    await new Promise((resolve) => setImmediate(resolve));
    expect(timers()).toBeLessThanOrEqual(before); // ≤: unrelated timers may expire meanwhile
  });
});
