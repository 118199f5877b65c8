// Micro-benchmark: how many MB/s of upstream SSE the normalizer turns into rendered client SSE,
// through the same TransformStreams the gateway uses (normalizeSSE → renderSSE). Run alone with
// `npx tsx packages/core/bench/throughput.ts`; the bench package calls benchNormalizer().
import { type NormalizerOptions, normalizeSSE, renderSSE } from "../src/index.js";

export interface NormalizerBenchResult {
  /** Upstream SSE bytes per second, in MB (10^6), median of the rounds (field dialect). */
  mbPerSecond: number;
  /** Upstream chunks (SSE events) per second, median of the rounds (field dialect). */
  chunksPerSecond: number;
  /** The same for a think-open stream (inline tags through the tag parser). */
  thinkOpen: { mbPerSecond: number; chunksPerSecond: number };
  bytes: number;
  chunks: number;
  rounds: number;
  method: string;
}

export interface NormalizerBenchOptions {
  /** Upstream chunks in the stream (default 20,000: a long QwQ answer). */
  chunks?: number;
  /** Timed rounds after one warm-up (default 5). */
  rounds?: number;
  /** Size of each network read (default 16 KiB). */
  readSize?: number;
}

const encoder = new TextEncoder();

// Token-sized pieces of a QwQ-like thought: English, Chinese, math with "<", newlines.
const PIECES = [
  "Okay",
  ",",
  " so",
  " the",
  " user",
  " asks",
  " whether",
  " 9.9",
  " <",
  " 9.11",
  ".",
  "\n\n",
  " 思考",
  "一下",
  " Let",
  " me",
  " check",
  " a < b",
  " again",
  "…",
];

/** A long QwQ-like stream: DashScope field dialect, or raw think-open content. */
export function qwqStream(chunks: number, dialect: "field" | "think-open"): string {
  const head = {
    id: "chatcmpl-bench",
    object: "chat.completion.chunk",
    created: 1745485391,
    model: "qwq-32b",
  };
  const reasoningChunks = Math.floor(chunks * 0.85);
  let out = "";
  const event = (delta: Record<string, unknown>, finish: string | null = null) => {
    out += `data: ${JSON.stringify({ ...head, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], usage: null })}\n\n`;
  };
  event({
    role: "assistant",
    content: dialect === "field" ? null : "",
    reasoning_content: dialect === "field" ? "" : undefined,
  });
  for (let i = 1; i < chunks - 1; i++) {
    const text = PIECES[i % PIECES.length]!;
    if (dialect === "field") {
      if (i < reasoningChunks) event({ content: null, reasoning_content: text });
      else event({ content: text, reasoning_content: null });
    } else if (i === reasoningChunks) {
      event({ content: `\n</think>\n\n${text}` });
    } else {
      event({ content: text });
    }
  }
  event({ content: "" }, "stop");
  out += `data: ${JSON.stringify({ ...head, choices: [], usage: { prompt_tokens: 20, completion_tokens: chunks, total_tokens: chunks + 20 } })}\n\n`;
  out += "data: [DONE]\n\n";
  return out;
}

function reads(text: string, size: number): Uint8Array[] {
  const bytes = encoder.encode(text);
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

async function once(input: Uint8Array[], options: NormalizerOptions): Promise<number> {
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const r of input) controller.enqueue(r);
      controller.close();
    },
  });
  const started = performance.now();
  const reader = source
    .pipeThrough(normalizeSSE(options))
    .pipeThrough(renderSSE({ format: "reasoning_content", includeUsage: true, model: "qwq-32b" }))
    .getReader();
  let out = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    out += value.length;
  }
  if (out === 0) throw new Error("the pipeline produced nothing");
  return (performance.now() - started) / 1000;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

async function measure(
  text: string,
  options: NormalizerOptions,
  rounds: number,
  readSize: number,
  chunks: number,
) {
  const input = reads(text, readSize);
  const bytes = encoder.encode(text).length;
  await once(input, options); // warm-up: let the JIT see the code first
  const seconds: number[] = [];
  for (let i = 0; i < rounds; i++) seconds.push(await once(input, options));
  const s = median(seconds);
  return { mbPerSecond: bytes / 1e6 / s, chunksPerSecond: chunks / s, bytes };
}

export async function benchNormalizer(
  options: NormalizerBenchOptions = {},
): Promise<NormalizerBenchResult> {
  const chunks = options.chunks ?? 20_000;
  const rounds = options.rounds ?? 5;
  const readSize = options.readSize ?? 16 * 1024;
  const field = await measure(
    qwqStream(chunks, "field"),
    { reasoning: "auto" },
    rounds,
    readSize,
    chunks,
  );
  const open = await measure(
    qwqStream(chunks, "think-open"),
    { reasoning: "think-open" },
    rounds,
    readSize,
    chunks,
  );
  return {
    mbPerSecond: field.mbPerSecond,
    chunksPerSecond: field.chunksPerSecond,
    thinkOpen: { mbPerSecond: open.mbPerSecond, chunksPerSecond: open.chunksPerSecond },
    bytes: field.bytes,
    chunks,
    rounds,
    method: `normalizeSSE → renderSSE(reasoning_content) over a ${chunks}-chunk QwQ-like stream in ${readSize}-byte reads; median of ${rounds} rounds after a warm-up`,
  };
}

// Run alone: print the figure.
const entry = (globalThis as { process?: { argv?: string[] } }).process?.argv?.[1];
if (entry && import.meta.url === new URL(`file://${entry.replaceAll("\\", "/")}`).href) {
  const r = await benchNormalizer();
  console.log(
    `normalizer: ${r.mbPerSecond.toFixed(1)} MB/s, ${Math.round(r.chunksPerSecond).toLocaleString("en")} chunks/s ` +
      `(think-open: ${r.thinkOpen.mbPerSecond.toFixed(1)} MB/s) — ${r.method}`,
  );
  console.log(JSON.stringify(r));
}
