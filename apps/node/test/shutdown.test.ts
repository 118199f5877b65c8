import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ask, type Harness, startHarness } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.emulator.close());

describe("graceful shutdown", () => {
  it("lets a stream in flight finish, and refuses new connections", async () => {
    const stream = await h.client.chat.completions.create({
      model: "qwq-32b-vllm",
      stream: true,
      messages: ask({ chunks: 20, chunkDelayMs: 15 }),
    });
    // The grace period is a bound on a loaded machine, not on this ~0.6 s stream.
    const closed = h.server.close(30_000);
    let content = "";
    for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? "";
    expect(content.length).toBeGreaterThan(0);
    await closed;
    await expect(fetch(`${h.server.url}/healthz`)).rejects.toThrow();
  });
});
