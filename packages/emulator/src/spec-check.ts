import type { EmuSpec } from "./spec.js";

// A directive comes off the wire: a test's typo must become a clear 400, never a crash or a
// silently different answer.

const count = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
const positive = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;
const ms = (v: unknown) => typeof v === "number" && Number.isFinite(v) && v >= 0;
const flag = (v: unknown) => typeof v === "boolean";
const text = (v: unknown) => typeof v === "string";

const RULES: Record<keyof EmuSpec, [check: (v: unknown) => boolean, expected: string]> = {
  reasoning: [text, "a string"],
  content: [text, "a string"],
  chunks: [(v) => positive(v) && (v as number) <= 100_000, "an integer from 1 to 100000"],
  toolCall: [
    (v) => {
      const call = v as { name?: unknown; arguments?: unknown } | null;
      return (
        typeof call === "object" &&
        call !== null &&
        typeof call.name === "string" &&
        call.name !== "" &&
        typeof call.arguments === "object" &&
        call.arguments !== null &&
        !Array.isArray(call.arguments)
      );
    },
    "{ name: string, arguments: object }",
  ],
  status: [
    (v) => Number.isInteger(v) && (v as number) >= 400 && (v as number) <= 599,
    "an HTTP error status (400-599)",
  ],
  retryAfter: [count, "a whole number of seconds"],
  hang: [(v) => v === "headers" || count(v), '"headers" or a number of chunks'],
  cut: [count, "a number of chunks"],
  errorEvent: [count, "a number of chunks"],
  keepAlive: [flag, "a boolean"],
  crlf: [flag, "a boolean"],
  noUsage: [flag, "a boolean"],
  usage: [
    (v) => {
      const u = v as { prompt?: unknown; completion?: unknown; reasoning?: unknown } | null;
      return (
        typeof u === "object" &&
        u !== null &&
        count(u.prompt) &&
        count(u.completion) &&
        (u.reasoning === undefined || count(u.reasoning))
      );
    },
    "{ prompt, completion, reasoning? } token counts",
  ],
  firstByteDelayMs: [ms, "milliseconds (a number ≥ 0)"],
  chunkDelayMs: [ms, "milliseconds (a number ≥ 0)"],
  splitUtf8: [flag, "a boolean"],
  truncated: [flag, "a boolean"],
  keepAliveEveryMs: [(v) => ms(v) && (v as number) >= 1, "milliseconds (a number ≥ 1)"],
};

/** The first thing wrong with a decoded directive, as a sentence; null when it is fine. */
export function specProblem(spec: Record<string, unknown>): string | null {
  for (const [key, value] of Object.entries(spec)) {
    const rule = RULES[key as keyof EmuSpec];
    if (!rule) return `emulator directive: unknown field "${key}"`;
    if (value !== undefined && !rule[0](value)) {
      return `emulator directive: ${key} must be ${rule[1]}`;
    }
  }
  return null;
}
