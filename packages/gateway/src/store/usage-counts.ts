import type { UsageCounts } from "./types.js";

// The counters kept per tenant and per key for each day, and their field names in a Redis hash.

export const USAGE_FIELDS = {
  requests: "requests",
  promptTokens: "prompt",
  completionTokens: "completion",
  reasoningTokens: "reasoning",
  errors: "errors",
} as const satisfies Record<keyof UsageCounts, string>;

export function emptyCounts(): UsageCounts {
  return { requests: 0, promptTokens: 0, completionTokens: 0, reasoningTokens: 0, errors: 0 };
}

export function addCounts(into: UsageCounts, delta: UsageCounts): void {
  into.requests += delta.requests;
  into.promptTokens += delta.promptTokens;
  into.completionTokens += delta.completionTokens;
  into.reasoningTokens += delta.reasoningTokens;
  into.errors += delta.errors;
}

/** "YYYY-MM-DD" for each UTC day from..to inclusive (at most `max` days). */
export function daysBetween(fromDay: string, toDay: string, max = 366): string[] {
  const days: string[] = [];
  const end = Date.parse(`${toDay}T00:00:00Z`);
  for (let t = Date.parse(`${fromDay}T00:00:00Z`); t <= end && days.length < max; t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

export function utcDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}
