// Thinkgate's own work per request, in a process of its own: the app from @thinkgate/gateway
// called in process (app.fetch), no network, its upstream fetch replaying answers the emulator
// gave once. Prints one JSON line. Usage: own-work-main.ts '<OwnWorkPlan as JSON>'
import { startEmulator } from "@thinkgate/emulator";
import { createApp, parseConfig, tenancyFromConfig } from "@thinkgate/gateway";
import {
  THINKGATE_MODEL,
  thinkgateConfig,
  thinkgateHeaders,
} from "../contenders/thinkgate-config.js";
import { SSETokens } from "../load/sse-tokens.js";
import type { OwnWorkPlan } from "../modes.js";
import { chatBody } from "../scenarios/bodies.js";
import { median } from "../stats.js";

const plan = JSON.parse(process.argv[2] ?? "") as OwnWorkPlan;

/** One kind of request: its body, and what the emulator answered to the gateway's upstream call. */
interface Kind {
  name: string;
  stream: boolean;
  tokens: number;
  body: string;
  requests: number; // per round
  recorded?: { status: number; contentType: string; frames: Uint8Array[] };
}
const kinds: Kind[] = [
  { name: "nonStreaming", stream: false, tokens: 16, requests: plan.requests },
  { name: "streaming", stream: true, tokens: 16, requests: plan.requests },
  { name: "streaming100", stream: true, tokens: 100, requests: plan.chunkRequests[0] },
  { name: "streaming1000", stream: true, tokens: 1000, requests: plan.chunkRequests[1] },
].map((k) => ({ ...k, body: chatBody(THINKGATE_MODEL, k.stream, k.tokens) }));

const emulator = await startEmulator({ port: 0, host: "127.0.0.1" });
const upstreamUrl = emulator.url.replace(/\/$/, "");
const config = parseConfig(thinkgateConfig(upstreamUrl), {});
const tenancy = await tenancyFromConfig(config, {});

// Recording: the gateway's own upstream call goes to the emulator once per kind, so the bytes
// replayed are the answer to exactly the request the gateway sends. A streamed answer is kept
// as the emulator wrote it: one SSE event per write (ASCII text, so no event is split).
let current: Kind = kinds[0]!;
let recording = true;
const replay = (recorded: NonNullable<Kind["recorded"]>): Response => {
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const frame = recorded.frames[i++];
      // A fresh buffer per read, as a socket read would hand over.
      if (frame) controller.enqueue(frame.slice());
      else controller.close();
    },
  });
  return new Response(body, {
    status: recorded.status,
    headers: { "content-type": recorded.contentType },
  });
};
const upstreamFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
  if (!recording) return replay(current.recorded!);
  const answer = await fetch(input, init);
  const bytes = new Uint8Array(await answer.arrayBuffer());
  const contentType = answer.headers.get("content-type") ?? "";
  current.recorded = {
    status: answer.status,
    contentType,
    frames: contentType.includes("event-stream") ? sseEvents(bytes) : [bytes],
  };
  return replay(current.recorded);
};

/** The events of an SSE body, each with its blank line: what the emulator wrote, one by one. */
function sseEvents(bytes: Uint8Array): Uint8Array[] {
  const events: Uint8Array[] = [];
  let start = 0;
  for (let i = 1; i < bytes.length; i++) {
    if (bytes[i] === 10 && bytes[i - 1] === 10) {
      events.push(bytes.subarray(start, i + 1));
      start = i + 1;
    }
  }
  if (start < bytes.length) events.push(bytes.subarray(start));
  return events;
}

const app = createApp({
  config,
  tenancy,
  fetch: upstreamFetch,
  log: () => {},
  waitUntil: () => {},
});
// With its content-length, as a request through the Node server arrives (checked against the
// body limit before anything is read).
const call = (kind: Kind) =>
  app.fetch(
    new Request("http://thinkgate.local/v1/chat/completions", {
      method: "POST",
      headers: { ...thinkgateHeaders(), "content-length": String(Buffer.byteLength(kind.body)) },
      body: kind.body,
    }),
  );

// One request of each kind through the real emulator, checked whole: a replay that failed
// would otherwise be timed as a (fast) error.
for (const kind of kinds) {
  current = kind;
  const response = await call(kind);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${kind.name}: HTTP ${response.status} ${text}`);
  if (kind.stream) {
    const sse = new SSETokens();
    sse.feed(new TextEncoder().encode(text), () => {});
    if (sse.tokens !== kind.tokens || !sse.done || sse.error) {
      throw new Error(`${kind.name}: ${sse.tokens} of ${kind.tokens} tokens, done ${sse.done}`);
    }
  } else if (!text.includes('"choices"') || !text.includes("tok tok")) {
    throw new Error(`${kind.name}: not a chat completion: ${text.slice(0, 300)}`);
  }
}
recording = false;
await emulator.close();

async function one(kind: Kind): Promise<void> {
  const response = await call(kind);
  if (response.status !== 200) throw new Error(`${kind.name}: HTTP ${response.status}`);
  const reader = response.body!.getReader();
  while (!(await reader.read()).done) {}
}

/** µs per request of one kind, over `count` requests one after another. */
async function time(kind: Kind, count: number): Promise<number> {
  current = kind;
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    await one(kind);
    // A server's event loop turns between requests (timers, finalizers); this loop of promises
    // alone never would.
    if (i % 100 === 99) await new Promise(setImmediate);
  }
  return ((performance.now() - started) * 1000) / count;
}

const perRound: Record<string, number>[] = [];
for (let round = 0; round < plan.warmupRounds + plan.rounds; round++) {
  const figures: Record<string, number> = {};
  for (const kind of kinds) figures[kind.name] = await time(kind, kind.requests);
  if (round < plan.warmupRounds) continue; // warm-up rounds: the JIT's, discarded
  const [from, to] = [kinds[2]!, kinds[3]!];
  figures.perChunk = (figures[to.name]! - figures[from.name]!) / (to.tokens - from.tokens);
  perRound.push(figures);
}
const medianOf = (key: string) => median(perRound.map((r) => r[key]!));
console.log(
  JSON.stringify({
    nonStreamingUs: medianOf("nonStreaming"),
    streamingUs: medianOf("streaming"),
    perChunkUs: medianOf("perChunk"),
    streaming100Us: medianOf("streaming100"),
    streaming1000Us: medianOf("streaming1000"),
    upstreamEvents: Object.fromEntries(kinds.map((k) => [k.name, k.recorded?.frames.length])),
    rounds: perRound,
  }),
);
await tenancy.close();
process.exit(0);
