// Shared by the core tests: vectors as bytes, streams driven to the end, events folded into
// per-choice text, and the invariants every event stream must keep.
import { expect } from "vitest";
import type { NormalizerOptions, StreamEvent } from "../src/index.js";
import { normalizeSSE, SSENormalizer } from "../src/index.js";

export interface Vector {
  name: string;
  source: string;
  mode: "auto" | "think-open";
  tools: boolean;
  chunks?: unknown[];
  sse?: string;
  end?: "done" | "eof";
  expect: Expected;
  events?: StreamEvent[];
}

export interface ChoiceSummary {
  reasoning: string | null;
  content: string | null;
  toolCalls: Array<{ name: string; arguments: string }>;
  finish: string | null;
}

export type Expected = Partial<ChoiceSummary> & {
  choices?: ChoiceSummary[];
  usage: unknown;
  error: { type: string; code: string | null } | null;
};

export interface Summary {
  choices: ChoiceSummary[];
  usage: unknown;
  error: { type: string; code: string | null } | null;
}

const encoder = new TextEncoder();

/** The SSE text a vector stands for. */
export function sseText(v: Vector): string {
  if (v.sse !== undefined) return v.sse;
  let text = "";
  for (const c of v.chunks ?? []) text += `data: ${JSON.stringify(c)}\n\n`;
  if (v.end === "done") text += "data: [DONE]\n\n";
  return text;
}

export const sseBytes = (v: Vector) => encoder.encode(sseText(v));

export const optionsOf = (v: Vector): NormalizerOptions => ({ reasoning: v.mode, tools: v.tools });

/** Runs bytes through the synchronous normalizer, cut into the given pieces. */
export function normalizePieces(pieces: Uint8Array[], options?: NormalizerOptions): StreamEvent[] {
  const sse = new SSENormalizer(options);
  const events: StreamEvent[] = [];
  for (const p of pieces) events.push(...sse.feed(p));
  events.push(...sse.end());
  return events;
}

/** Runs bytes through the real TransformStream, one enqueue per piece. */
export async function normalizeStream(
  pieces: Uint8Array[],
  options?: NormalizerOptions,
): Promise<StreamEvent[]> {
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const p of pieces) controller.enqueue(p);
      controller.close();
    },
  });
  return collect(source.pipeThrough(normalizeSSE(options)));
}

export async function collect<T>(stream: ReadableStream<T>): Promise<T[]> {
  const out: T[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push(value);
  }
}

/** Cuts bytes at the given offsets. */
export function cut(bytes: Uint8Array, offsets: number[]): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const at of [...offsets].sort((a, b) => a - b)) {
    if (at <= from || at >= bytes.length) continue;
    pieces.push(bytes.subarray(from, at));
    from = at;
  }
  pieces.push(bytes.subarray(from));
  return pieces;
}

export function summarize(events: StreamEvent[]): Summary {
  const choices: ChoiceSummary[] = [];
  const choice = (i: number) => {
    choices[i] ??= { reasoning: null, content: null, toolCalls: [], finish: null };
    return choices[i]!;
  };
  const calls = new Map<string, { name: string; arguments: string }>();
  let usage: unknown = null;
  let error: Summary["error"] = null;
  for (const ev of events) {
    switch (ev.type) {
      case "role":
        choice(ev.choice);
        break;
      case "reasoning": {
        const c = choice(ev.choice);
        c.reasoning = (c.reasoning ?? "") + ev.text;
        break;
      }
      case "content": {
        const c = choice(ev.choice);
        c.content = (c.content ?? "") + ev.text;
        break;
      }
      case "tool_call": {
        const key = `${ev.choice}:${ev.index}`;
        let call = calls.get(key);
        if (!call) {
          call = { name: "", arguments: "" };
          calls.set(key, call);
          choice(ev.choice).toolCalls.push(call);
        }
        if (ev.name) call.name += ev.name;
        call.arguments += ev.arguments;
        break;
      }
      case "finish":
        choice(ev.choice).finish = ev.reason;
        break;
      case "usage":
        usage = ev.usage;
        break;
      case "error":
        error = { type: ev.error.type, code: ev.error.code };
        break;
    }
  }
  for (let i = 0; i < choices.length; i++) choice(i);
  return { choices, usage, error };
}

/** What the vector says the whole stream means, in the shape summarize() returns. */
export function expected(v: Vector): Summary {
  const e = v.expect;
  const choices = e.choices ?? [
    {
      reasoning: e.reasoning ?? null,
      content: e.content ?? null,
      toolCalls: e.toolCalls ?? [],
      finish: e.finish ?? null,
    },
  ];
  return { choices, usage: e.usage, error: e.error };
}

/**
 * The contract of types.ts: `start` first, one role per choice before its text, no empty text,
 * no tags in reasoning, one finish per choice, exactly one terminal event and it is last.
 * Returns what is wrong, or null (cheap enough for sweeps over thousands of cuttings).
 */
export function invariantViolation(events: StreamEvent[]): string | null {
  let terminals = 0;
  const roles = new Set<number>();
  const finished = new Set<number>();
  for (let i = 0; i < events.length; i++) {
    const ev = events[i]!;
    switch (ev.type) {
      case "start":
        if (i !== 0) return `start at position ${i}`;
        break;
      case "role":
        if (roles.has(ev.choice)) return `second role for choice ${ev.choice}`;
        roles.add(ev.choice);
        break;
      case "reasoning":
      case "content":
        if (ev.text.length === 0) return `empty ${ev.type} event`;
        if (!roles.has(ev.choice)) return `${ev.type} before role for choice ${ev.choice}`;
        if (
          ev.type === "reasoning" &&
          (ev.text.includes("<think>") || ev.text.includes("</think>"))
        )
          return `think tag in reasoning: ${JSON.stringify(ev.text)}`;
        break;
      case "finish":
        if (finished.has(ev.choice)) return `second finish for choice ${ev.choice}`;
        finished.add(ev.choice);
        break;
      case "done":
      case "error":
        terminals++;
        if (i !== events.length - 1) return `${ev.type} is not the last event`;
        break;
    }
  }
  return terminals === 1 ? null : `${terminals} terminal events`;
}

export function expectInvariants(events: StreamEvent[]): void {
  expect(invariantViolation(events)).toBeNull();
}
