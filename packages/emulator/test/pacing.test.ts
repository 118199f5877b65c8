import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, emuPrompt, startEmulator } from "../src/index.js";
import { chat, rawPost } from "./raw-client.js";

// Lower bounds only: a delay the emulator promises must really be there. How fast it goes
// otherwise is the benchmark's business, not a test's.

let paced: Emulator;
beforeAll(async () => {
  paced = await startEmulator({ firstByteDelayMs: 120, chunkDelayMs: 15 });
});
afterAll(() => paced.close());

async function arrivals(url: string, body: unknown): Promise<number[]> {
  const started = performance.now();
  const res = await fetch(url, { method: "POST", body: JSON.stringify(body) });
  const reader = res.body!.getReader();
  const times: number[] = [];
  const decoder = new TextDecoder();
  let pending = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return times;
    pending += decoder.decode(value, { stream: true });
    const frames = pending.split("\n\n");
    pending = frames.pop()!;
    for (const _ of frames) times.push(performance.now() - started);
  }
}

describe("pacing", () => {
  it("holds the first event for firstByteDelayMs and spaces the rest chunkDelayMs apart", async () => {
    const times = await arrivals(
      `${paced.url}/vllm/v1/chat/completions`,
      chat(emuPrompt({ chunks: 3 }), { stream: true }),
    );
    // role + 3 reasoning + 3 content + finish, then [DONE]
    expect(times).toHaveLength(9);
    expect(times[0]).toBeGreaterThanOrEqual(115);
    // Eight data events, due at 120 + i × 15 ms after the request reached the emulator: none can
    // arrive before its deadline, however loaded the machine.
    for (let i = 0; i < 8; i++) expect(times[i]).toBeGreaterThanOrEqual(120 + i * 15 - 2);
  });

  it("a spec's own delays override the emulator's", async () => {
    // An emulator that would hold every answer for a minute: only the override can make it answer.
    const slow = await startEmulator({ firstByteDelayMs: 60_000, chunkDelayMs: 60_000 });
    try {
      const res = await fetch(`${slow.url}/ollama/v1/chat/completions`, {
        method: "POST",
        body: JSON.stringify(
          chat(emuPrompt({ chunks: 1, firstByteDelayMs: 0, chunkDelayMs: 0 }), { stream: true }),
        ),
        signal: AbortSignal.timeout(10_000),
      });
      expect((await res.text()).endsWith("data: [DONE]\n\n")).toBe(true);
    } finally {
      await slow.close();
    }
  });

  it("delays non-streaming answers by the time their stream would take", async () => {
    const started = performance.now();
    const res = await fetch(`${paced.url}/sglang/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify(chat(emuPrompt({ chunks: 2 }))),
    });
    await res.json();
    expect(performance.now() - started).toBeGreaterThanOrEqual(120 + 4 * 15 - 5);
  });

  it("waits with a timer, not a busy loop", async () => {
    const cpu = process.cpuUsage();
    const started = performance.now();
    await arrivals(
      `${paced.url}/vllm/v1/chat/completions`,
      chat(emuPrompt({ chunks: 10, firstByteDelayMs: 300 }), { stream: true }),
    );
    const wall = performance.now() - started;
    const used = process.cpuUsage(cpu);
    // Spinning through ~600 ms of waiting would burn about that much CPU time.
    expect((used.user + used.system) / 1000).toBeLessThan(wall / 2);
  });

  it("still splits a multi-byte character in a paced stream", async () => {
    const res = await rawPost(
      `${paced.url}/vllm/v1/chat/completions`,
      chat(emuPrompt({ chunks: 2, firstByteDelayMs: 0 }), { stream: true }),
    );
    const midCharacter = res.parts.some((part) => {
      const text = part.toString("utf8");
      return text.endsWith("\uFFFD") || text.startsWith("\uFFFD");
    });
    expect(midCharacter).toBe(true);
    expect(res.text).toContain("思考");
  });
});
