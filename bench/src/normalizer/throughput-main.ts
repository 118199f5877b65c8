// The normalizer's throughput, in a process of its own (nothing else on its event loop).
// Prints one JSON line. Usage: throughput-main.ts <chunks> <rounds>
import { existsSync } from "node:fs";
import { join } from "node:path";
import { normalizeSSE, renderSSE } from "@thinkgate/core";
import { median } from "../stats.js";
import { upstreamStream } from "./stream-bytes.js";

const chunks = Number(process.argv[2] ?? 20_000);
const rounds = Number(process.argv[3] ?? 5);
const reads = upstreamStream(chunks);
const bytes = reads.reduce((n, r) => n + r.length, 0);

/** Pushes every read through `pipe` and drains it; returns MB/s of upstream bytes. */
async function measure(pipe: (input: ReadableStream<Uint8Array>) => ReadableStream<unknown>) {
  const input = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const r of reads) controller.enqueue(r);
      controller.close();
    },
  });
  const started = performance.now();
  let events = 0;
  const reader = pipe(input).getReader();
  while (!(await reader.read()).done) events++;
  const seconds = (performance.now() - started) / 1000;
  return { mbPerS: bytes / 1e6 / seconds, events };
}

const normalizeOnly = (input: ReadableStream<Uint8Array>) => input.pipeThrough(normalizeSSE());
const gatewayPath = (input: ReadableStream<Uint8Array>) =>
  input
    .pipeThrough(normalizeSSE())
    .pipeThrough(renderSSE({ format: "reasoning_content", model: "qwq-32b" }));

// Warm-up: let the JIT see the code before anything is timed.
await measure(normalizeOnly);
await measure(gatewayPath);
const normalize: number[] = [];
const normalizeRender: number[] = [];
let events = 0;
for (let i = 0; i < rounds; i++) {
  const n = await measure(normalizeOnly);
  normalize.push(n.mbPerS);
  events = n.events;
  normalizeRender.push((await measure(gatewayPath)).mbPerS);
}

const coreBench = join(import.meta.dirname, "../../../packages/core/bench/throughput.ts");
console.log(
  JSON.stringify({
    method: `normalizeSSE over a ${chunks}-chunk vLLM stream (${(bytes / 1e6).toFixed(2)} MB in 16 KiB reads), ${rounds} rounds after a warm-up, median`,
    bytes,
    events,
    normalizeSSE: { mbPerS: median(normalize), rounds: normalize },
    normalizeAndRender: { mbPerS: median(normalizeRender), rounds: normalizeRender },
    coreBenchAvailable: existsSync(coreBench),
  }),
);
