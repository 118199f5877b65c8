// The normalizer's throughput, in a process of its own (nothing else on its event loop).
// Prints one JSON line. Usage: throughput-main.ts <chunks> <rounds>
// The headline is packages/core's own micro-benchmark (benchNormalizer: normalizeSSE →
// renderSSE, the gateway's per-stream work); beside it, normalizeSSE alone on the same stream,
// so the split between parsing/normalizing and rendering is visible.
import { normalizeSSE } from "@thinkgate/core";
import { benchNormalizer, qwqStream } from "../../../packages/core/bench/throughput.js";
import { median } from "../stats.js";

const chunks = Number(process.argv[2] ?? 20_000);
const rounds = Number(process.argv[3] ?? 5);
const READ = 16 * 1024;

const core = await benchNormalizer({ chunks, rounds, readSize: READ });

const bytes = new TextEncoder().encode(qwqStream(chunks, "field"));
const reads: Uint8Array[] = [];
for (let at = 0; at < bytes.length; at += READ) reads.push(bytes.subarray(at, at + READ));

async function normalizeOnce(): Promise<number> {
  const input = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const r of reads) controller.enqueue(r);
      controller.close();
    },
  });
  const started = performance.now();
  const reader = input.pipeThrough(normalizeSSE({ reasoning: "auto" })).getReader();
  while (!(await reader.read()).done) {}
  return bytes.length / 1e6 / ((performance.now() - started) / 1000);
}

await normalizeOnce(); // warm-up
const normalizeOnly: number[] = [];
for (let i = 0; i < rounds; i++) normalizeOnly.push(await normalizeOnce());

console.log(
  JSON.stringify({
    method: core.method,
    bytes: core.bytes,
    chunks: core.chunks,
    normalizeAndRender: {
      mbPerS: core.mbPerSecond,
      chunksPerS: core.chunksPerSecond,
      thinkOpenMbPerS: core.thinkOpen.mbPerSecond,
    },
    normalizeSSE: { mbPerS: median(normalizeOnly), rounds: normalizeOnly },
  }),
);
