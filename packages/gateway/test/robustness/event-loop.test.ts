import { monitorEventLoopDelay } from "node:perf_hooks";
import { emuPrompt } from "@thinkgate/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEY, type NodeGateway, startNodeGateway } from "./node-gateway.js";

// Hostile bodies of up to maxBodyBytes must not stall the Node gateway: every request shares
// one event loop, so a scanner that is quadratic in the body (history hygiene once was, on
// text full of `<think>`) freezes every tenant's stream. The gateway runs in this process, so
// perf_hooks sees its event loop. The bound is relative to the same number of harmless bodies
// of the same size, sent the same way, plus a margin for a busy machine: a linear gateway
// spends about as long on either, the quadratic one spent minutes on one hostile body.

const ROUNDS = 3;
/** Margin over the harmless bodies' worst delay: generous for a loaded machine, far below minutes. */
const MARGIN_MS = 1500;

let gw: NodeGateway;
let maxBodyBytes: number;
beforeAll(async () => {
  gw = await startNodeGateway({
    idleTimeoutMs: 10_000,
    firstByteTimeoutMs: 10_000,
    limits: { concurrency: 50, rpm: 100_000, tpm: 1_000_000_000 },
  });
  maxBodyBytes = gw.config.server.maxBodyBytes;
});
afterAll(() => gw?.close());

/** A request body of just under maxBodyBytes whose assistant history is `unit` repeated. */
function bodyOf(unit: string, parts: boolean): string {
  const user = { role: "user", content: emuPrompt({ chunks: 2 }) };
  const shell = JSON.stringify({
    model: "qwq",
    messages: [{ role: "assistant", content: "" }, user],
  });
  const text = unit.repeat(
    Math.floor((maxBodyBytes - shell.length - 1024) / (JSON.stringify(unit).length - 2)),
  );
  const assistant = parts
    ? { role: "assistant", content: [{ type: "text", text }] }
    : { role: "assistant", content: text };
  const body = JSON.stringify({ model: "qwq", messages: [assistant, user] });
  expect(body.length).toBeLessThanOrEqual(maxBodyBytes);
  expect(body.length).toBeGreaterThan(maxBodyBytes * 0.8);
  return body;
}

function post(body: string, signal?: AbortSignal): Promise<Response> {
  return fetch(`${gw.server.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body,
    ...(signal ? { signal } : {}),
  });
}

interface Round {
  /** The event loop's longest delay while the bodies were handled, in ms. */
  loopMaxMs: number;
  /** The longest wait between two chunks of the concurrent stream, in ms. */
  streamGapMs: number;
  statuses: number[];
  streamEnded: boolean;
}

/** Sends `bodies` one after another while a slow stream is being read; measures both. */
async function round(bodies: string[]): Promise<Round> {
  const stream = await post(
    JSON.stringify({
      model: "qwq",
      stream: true,
      messages: [{ role: "user", content: emuPrompt({ chunks: 200, chunkDelayMs: 10 }) }],
    }),
  );
  expect(stream.status).toBe(200);
  const reader = stream.body!.getReader();
  const decoder = new TextDecoder();
  await reader.read(); // flowing
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let sending = true;
  let streamGapMs = 0;
  let streamText = "";
  const reading = (async () => {
    let last = performance.now();
    for (;;) {
      const { done, value } = await reader.read();
      const now = performance.now();
      if (sending) streamGapMs = Math.max(streamGapMs, now - last);
      last = now;
      if (done) return;
      streamText += decoder.decode(value, { stream: true });
    }
  })();
  const statuses: number[] = [];
  for (const body of bodies) {
    const res = await post(body);
    statuses.push(res.status);
    await res.arrayBuffer();
  }
  sending = false;
  histogram.disable();
  await reading;
  return {
    loopMaxMs: histogram.max / 1e6,
    streamGapMs,
    statuses,
    streamEnded: streamText.includes("data: [DONE]"),
  };
}

describe("hostile bodies of up to maxBodyBytes", () => {
  it("keep the event loop responsive and a concurrent stream flowing", async () => {
    const harmless = Array.from({ length: ROUNDS }, () => bodyOf("plain answer ", false));
    const hostile = [
      bodyOf("<think>", false),
      bodyOf("<think></th", true),
      bodyOf("<think>\n", false),
    ].slice(0, ROUNDS);

    const control = await round(harmless);
    const attack = await round(hostile);
    const bound = MARGIN_MS + 4 * Math.max(control.loopMaxMs, control.streamGapMs);
    const report = JSON.stringify({ control, attack, bound });

    expect(control.statuses, report).toEqual(harmless.map(() => 200));
    expect(attack.statuses, report).toEqual(hostile.map(() => 200));
    expect(attack.loopMaxMs, report).toBeLessThan(bound);
    expect(attack.streamGapMs, report).toBeLessThan(bound);
    expect(attack.streamEnded, report).toBe(true);
  }, 180_000);
});
