import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./harness.js";

describe("active health checks on the Node server", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("probe every backend in use on a timer while the server runs, and stop when it closes", async () => {
    h = await startHarness({ routing: { healthCheck: { intervalMs: 25, timeoutMs: 1_000 } } });
    const emulator = h.emulator;
    // Probes are streamed one-token requests (DashScope's QwQ accepts nothing else).
    await expect
      .poll(() => emulator.requests.filter((r) => (r.body as { stream?: boolean }).stream).length, {
        timeout: 10_000,
      })
      .toBeGreaterThanOrEqual(3);
    expect(h.logs).toEqual([]);
    await h.server.close();
    // A round already under way may still land, and is over once its probes are answered or
    // timed out (timeoutMs); after that, nothing more is sent.
    await new Promise((r) => setTimeout(r, 1_000));
    await Promise.all(emulator.requests.map((r) => r.done));
    const seen = emulator.requests.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(emulator.requests.length).toBe(seen);
  });

  it("runs no probes when the config asks for none", async () => {
    h = await startHarness();
    await new Promise((r) => setTimeout(r, 150));
    expect(h.emulator.requests).toHaveLength(0);
  });
});
