import { monitorEventLoopDelay } from "node:perf_hooks";
import { DEFAULT_CONTENT, DEFAULT_REASONING, type EmuSpec, emuPrompt } from "@thinkgate/emulator";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { promptTokens, textTokens } from "../../src/pipeline/token-estimate.js";
import {
  KEY,
  KEY_ID,
  leasesHeld,
  type NodeGateway,
  startNodeGateway,
  TENANT,
  tokensCounted,
} from "./node-gateway.js";

// Accounting under abuse, through the real Node server in front of the emulator, with the
// official openai client: clients that abort at every point of a stream, upstreams that cut,
// fail, stall or never answer, three callers against a concurrency limit of 2. Afterwards every
// lease is released, every token reservation is settled to exactly what was recorded, usage
// matches what the emulator reported for completed requests, and every upstream connection a
// client abandoned was closed within a second of the client leaving.
//
// What an aborted or failed request is charged (the documented rule, asserted below):
// - it never reached an upstream (the client left first): nothing; it still counts as one
//   request, with `error`;
// - every attempt that reached an upstream without serving the answer (5xx, first-byte
//   timeout, the client leaving before the first event): its prompt estimate;
// - it ended mid-stream (client abort, cut, in-band error, idle timeout): an estimate, marked
//   so: the prompt estimate (pipeline/token-estimate.ts) and the output as the larger of the
//   received text's weight and its number of deltas, reasoning included, never more than the
//   full answer would have cost.

type Outcome = "done" | "error" | "aborted" | "refused";

type ClientPlan =
  | { kind: "complete" }
  /** Aborts once the upstream has the request: the gateway is waiting for its headers. */
  | { kind: "abort-before-headers" }
  | { kind: "abort-after-chunks"; chunks: number }
  | { kind: "abort-mid-reasoning"; reasoningChunks: number }
  /** Aborts once the upstream has the request, which it never answers. */
  | { kind: "abort-non-streaming" };

interface Scenario {
  name: string;
  stream: boolean;
  spec: EmuSpec;
  client: ClientPlan;
  /** How the log line may say it ended ("refused": no upstream answered; no outcome). */
  outcome: Outcome | Outcome[];
  /** What the client must see. */
  sees: "answer" | "abort" | "stream error" | number;
  /** The log line's errorCode, where it says what happened. */
  errorCode?: string;
  /** Whether the upstream connection must be closed by the gateway (not finished, not cut). */
  upstreamClosedByGateway: boolean;
}

/**
 * The emulator's default answer, every scenario's: the most a request can stream, estimated
 * (the text's weight, or one token per delta where that is more: at most one delta a chunk).
 */
const fullAnswerTokens =
  Math.max(Math.ceil(textTokens(DEFAULT_REASONING)), 12) +
  Math.max(Math.ceil(textTokens(DEFAULT_CONTENT)), 12);
const paced = { chunks: 12, chunkDelayMs: 8 };
/** Slower, so that a client reads its chunks one by one. */
const slow = { chunks: 12, chunkDelayMs: 25 };
/**
 * Where the upstream of a client that aborts mid-stream stalls (12 + 12 pieces: past every
 * abort point below): it never finishes by itself, so only the gateway can close it, however
 * late a loaded machine delivers the abort (the emulator's schedule is absolute: after a stall
 * it sends every overdue chunk at once and could otherwise finish first).
 */
const stallAfterAbort = 22;
/** Far above any pause of a loaded machine: only the stalls below end on these timeouts. */
const IDLE_TIMEOUT_MS = 2000;
const FIRST_BYTE_TIMEOUT_MS = 3000;
const usage = (n: number) => ({ prompt: 10 + n, completion: 40 + n, reasoning: 20 + n });

function scenarios(i: number): Scenario {
  const all: Scenario[] = [
    {
      name: "completes, streamed",
      stream: true,
      spec: { ...paced, usage: usage(i) },
      client: { kind: "complete" },
      outcome: "done",
      sees: "answer",
      upstreamClosedByGateway: false,
    },
    {
      name: "completes, not streamed",
      stream: false,
      spec: { ...paced, usage: usage(i) },
      client: { kind: "complete" },
      outcome: "done",
      sees: "answer",
      upstreamClosedByGateway: false,
    },
    {
      name: "client aborts before headers",
      stream: true,
      // No headers until the client is gone (the first-byte timeout is far later).
      spec: { ...paced, hang: "headers", usage: usage(i) },
      client: { kind: "abort-before-headers" },
      outcome: "refused",
      sees: "abort",
      upstreamClosedByGateway: true,
    },
    {
      name: "client aborts after the first byte",
      stream: true,
      spec: { ...slow, hang: stallAfterAbort, usage: usage(i) },
      client: { kind: "abort-after-chunks", chunks: 1 },
      outcome: "aborted",
      sees: "abort",
      upstreamClosedByGateway: true,
    },
    {
      name: "client aborts mid-reasoning",
      stream: true,
      spec: { ...slow, hang: stallAfterAbort, usage: usage(i) },
      client: { kind: "abort-mid-reasoning", reasoningChunks: 1 + (i % 6) },
      outcome: "aborted",
      sees: "abort",
      upstreamClosedByGateway: true,
    },
    {
      name: "client aborts mid-answer",
      stream: true,
      spec: { ...slow, hang: stallAfterAbort, usage: usage(i) },
      client: { kind: "abort-after-chunks", chunks: 14 + (i % 4) },
      outcome: "aborted",
      sees: "abort",
      upstreamClosedByGateway: true,
    },
    {
      name: "client aborts a non-streaming request",
      stream: false,
      // The upstream never answers: only the client's leaving can end it.
      spec: { ...paced, hang: 1, usage: usage(i) },
      client: { kind: "abort-non-streaming" },
      outcome: ["error", "refused"],
      sees: "abort",
      upstreamClosedByGateway: true,
    },
    {
      name: "upstream cuts the connection",
      stream: true,
      spec: { ...paced, cut: 3 + (i % 5), usage: usage(i) },
      client: { kind: "complete" },
      outcome: "error",
      sees: "stream error",
      errorCode: "stream_truncated",
      upstreamClosedByGateway: false,
    },
    {
      name: "upstream answers 500",
      stream: i % 2 === 0,
      spec: { status: 500 },
      client: { kind: "complete" },
      outcome: "refused",
      sees: 502,
      upstreamClosedByGateway: false,
    },
    {
      name: "upstream sends an in-band error",
      stream: true,
      spec: { ...paced, errorEvent: 2 + (i % 4), usage: usage(i) },
      client: { kind: "complete" },
      outcome: "error",
      sees: "stream error",
      upstreamClosedByGateway: false,
    },
    {
      name: "upstream stalls mid-stream (idle timeout)",
      stream: true,
      spec: { ...paced, hang: 3, usage: usage(i) },
      client: { kind: "complete" },
      outcome: "error",
      sees: "stream error",
      errorCode: "upstream_idle_timeout",
      upstreamClosedByGateway: true,
    },
    {
      // Found here: comments counted as activity, so this stream never timed out.
      name: "upstream stalls mid-stream but keeps sending keep-alive comments",
      stream: true,
      spec: { ...paced, hang: 3, keepAliveEveryMs: 50, usage: usage(i) },
      client: { kind: "complete" },
      outcome: "error",
      sees: "stream error",
      errorCode: "upstream_idle_timeout",
      upstreamClosedByGateway: true,
    },
    {
      name: "upstream never sends headers (first-byte timeout)",
      stream: i % 2 === 1,
      spec: { hang: "headers" },
      client: { kind: "complete" },
      outcome: "refused",
      sees: 504,
      errorCode: "upstream_timeout",
      upstreamClosedByGateway: true,
    },
  ];
  return all[i % all.length] as Scenario;
}

interface Run {
  i: number;
  scenario: Scenario;
  requestId: string;
  /** Date.now() when the client aborted. */
  abortedAt?: number;
  seen: "answer" | "abort" | "stream error" | number;
  /** 429s (concurrency) met before being admitted. */
  refusals: number;
  body: string;
}

let gw: NodeGateway;
let client: OpenAI;
// The gateway, the emulator and the clients share this process: however long its event loop
// was held up (a loaded machine), the gateway's reaction to a client leaving may take that too.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
/** "Within a second" of the client leaving, plus the longest hold-up of this process seen. */
const closeBudgetMs = () => 1000 + loopDelay.max / 1e6;

beforeAll(async () => {
  gw = await startNodeGateway({
    idleTimeoutMs: IDLE_TIMEOUT_MS,
    firstByteTimeoutMs: FIRST_BYTE_TIMEOUT_MS,
  });
  client = new OpenAI({ baseURL: `${gw.server.url}/v1`, apiKey: KEY, maxRetries: 0 });
  loopDelay.enable();
});
afterAll(() => {
  loopDelay.disable();
  return gw?.close();
});

async function runOne(i: number): Promise<Run> {
  const scenario = scenarios(i);
  const messages = [{ role: "user" as const, content: emuPrompt(scenario.spec) }];
  const firstTry = Date.now();
  for (let attempt = 0; ; attempt++) {
    const requestId = `acct-${i}-${attempt}`;
    const controller = new AbortController();
    const run: Run = {
      i,
      scenario,
      requestId,
      seen: "answer",
      refusals: attempt,
      // What the gateway estimates the prompt from (the body it parses).
      body: JSON.stringify({
        model: "qwq",
        messages,
        ...(scenario.stream ? { stream: true } : {}),
      }),
    };
    const abort = () => {
      run.abortedAt = Date.now();
      controller.abort();
    };
    const plan = scenario.client;
    // An event, not a delay: a fixed delay lands before the server has even read the request
    // on a loaded machine (then there is no request, and no log line, to check).
    // The upstream sees the gateway's request id, not the client's: the prompt (unique per run,
    // its usage numbers differ) says which request it is.
    const prompt = messages[0]!.content;
    const upstreamHasIt = () =>
      gw.emulator.requests.some(
        (r) =>
          (r.body as { messages?: Array<{ content?: unknown }> }).messages?.[0]?.content === prompt,
      );
    const timer =
      plan.kind === "abort-before-headers" || plan.kind === "abort-non-streaming"
        ? setInterval(() => {
            if (upstreamHasIt()) {
              clearInterval(timer);
              abort();
            }
          }, 5)
        : undefined;
    try {
      const options = {
        signal: controller.signal,
        headers: { "x-request-id": requestId },
        timeout: 20_000,
      };
      if (!scenario.stream) {
        await client.chat.completions.create({ model: "qwq", messages }, options);
      } else {
        const stream = await client.chat.completions.create(
          { model: "qwq", messages, stream: true },
          options,
        );
        let chunks = 0;
        let reasoningChunks = 0;
        for await (const chunk of stream) {
          chunks++;
          const delta = chunk.choices[0]?.delta as
            | { reasoning_content?: string | null }
            | undefined;
          if (delta?.reasoning_content) reasoningChunks++;
          if (
            (plan.kind === "abort-after-chunks" && chunks >= plan.chunks) ||
            (plan.kind === "abort-mid-reasoning" && reasoningChunks >= plan.reasoningChunks)
          ) {
            // What a client does when its user presses stop: abort, and stop reading.
            abort();
            break;
          }
        }
      }
      run.seen = run.abortedAt === undefined ? "answer" : "abort";
    } catch (err) {
      // A hang is a failure of its own, never mistaken for an expected error.
      if (err instanceof OpenAI.APIConnectionTimeoutError) throw err;
      if (err instanceof OpenAI.RateLimitError) {
        clearInterval(timer);
        // The longest request here ends at its first-byte timeout: half a minute of refusals
        // means a slot was never given back.
        if (Date.now() - firstTry > 30_000) {
          throw new Error(`${i} (${scenario.name}): refused ${attempt} times`);
        }
        // Refused by the concurrency limit: a slot frees when another caller's request ends.
        await new Promise((resolve) => setTimeout(resolve, 15));
        continue;
      }
      if (err instanceof OpenAI.APIUserAbortError) run.seen = "abort";
      else if (err instanceof OpenAI.APIError && err.status !== undefined) run.seen = err.status;
      else if (err instanceof OpenAI.APIError) run.seen = "stream error";
      else throw err;
    } finally {
      clearInterval(timer);
    }
    return run;
  }
}

describe("accounting under abuse, through the Node server", () => {
  it("releases every lease, settles every reservation, records usage and closes every upstream", async () => {
    const total = 52;
    let next = 0;
    const runs: Run[] = [];
    // Three callers against a concurrency limit of 2: some requests are refused and retried.
    await Promise.all(
      [0, 1, 2].map(async () => {
        while (next < total) runs.push(await runOne(next++));
      }),
    );
    expect(runs).toHaveLength(total);

    // Every client saw what its scenario promises.
    for (const run of runs) {
      const expected = run.scenario.sees;
      expect(run.seen, `${run.i}: ${run.scenario.name}`).toBe(expected);
    }

    // Every upstream connection is over; the ones a client abandoned, or the gateway gave up
    // on, were closed by the gateway, within a second of the client leaving.
    const upstream = new Map(
      gw.emulator.requests.map((r) => [r.headers["x-request-id"] ?? "", r] as const),
    );
    await Promise.all(gw.emulator.requests.map((r) => r.done));
    const refused = runs.reduce((n, r) => n + r.refusals, 0);
    // One log line per request (the 429s included). The gateway names each request itself and
    // logs the client's x-request-id beside its own; the upstream saw the gateway's.
    await vi.waitFor(() => expect(gw.logs).toHaveLength(total + refused), { timeout: 10_000 });
    const lines = new Map(gw.logs.map((l) => [l.clientRequestId as string, l] as const));
    for (const run of runs) {
      const line = lines.get(run.requestId);
      const seen = upstream.get(String(line?.requestId));
      const what = `${run.i}: ${run.scenario.name}`;
      // Every run got to the upstream (the clients that abort before an answer wait for that).
      expect(seen, what).toBeDefined();
      if (!seen) continue;
      if (run.abortedAt !== undefined && (seen.closedAt ?? 0) <= run.abortedAt) {
        // The upstream had sent everything before the client left: nothing left to cancel.
        continue;
      }
      expect(seen.closedByClient, what).toBe(run.scenario.upstreamClosedByGateway);
      if (run.abortedAt !== undefined) {
        expect(seen.closedAt, what).toBeDefined();
        expect((seen.closedAt ?? Infinity) - run.abortedAt, what).toBeLessThan(closeBudgetMs());
      }
    }

    // Each log line with the promised outcome.
    const admitted: Array<Record<string, unknown>> = [];
    for (const run of runs) {
      const line = lines.get(run.requestId);
      const what = `${run.i}: ${run.scenario.name}`;
      expect(line, what).toBeDefined();
      if (!line) continue;
      const outcome = (line.outcome ?? "refused") as Outcome;
      if (run.scenario.errorCode) expect(line.errorCode, what).toBe(run.scenario.errorCode);
      expect([run.scenario.outcome].flat(), what).toContain(outcome);
      if (line.status === 429) {
        // The client's abort timer and a concurrency refusal crossed: it was never admitted.
        expect(["abort-before-headers", "abort-non-streaming"], what).toContain(
          run.scenario.client.kind,
        );
        continue;
      }
      admitted.push(line);
      if (run.abortedAt !== undefined && !run.scenario.stream) {
        // Nobody reads the answer, but the log says whose doing it was: not the upstream's.
        expect(line, what).toMatchObject({ status: 499, errorCode: "client_closed_request" });
      }
      if (outcome === "done") {
        // Completed: exactly what the emulator reported.
        const u = run.scenario.spec.usage;
        expect(line, what).toMatchObject({
          promptTokens: u?.prompt,
          completionTokens: u?.completion,
          reasoningTokens: u?.reasoning,
          usageEstimated: false,
        });
      } else if (outcome === "refused") {
        // No upstream served it: nothing generated, but every attempt that reached an upstream
        // is charged its prompt; one that never left the gateway costs nothing.
        const prompt = promptTokens(JSON.parse(run.body));
        const reached = upstream.has(String(line.requestId));
        expect(line.completionTokens ?? 0, what).toBe(0);
        if (run.scenario.client.kind === "complete") {
          // 5xx and first-byte timeouts: each attempt was sent and is charged.
          expect(line.promptTokens, what).toBe((line.attempts as number) * prompt);
        } else if (run.scenario.client.kind === "abort-before-headers" && reached) {
          // The client left while the upstream was working on the prompt: charged for it.
          expect(line.promptTokens, what).toBe(prompt);
        } else if (!reached) {
          expect(line.promptTokens ?? 0, what).toBe(0);
        }
      } else {
        // Ended mid-stream: estimated from what was received, never above the full answer.
        expect(line.usageEstimated, what).toBe(true);
        expect(line.promptTokens, what).toBe(promptTokens(JSON.parse(run.body)));
        expect(line.completionTokens as number, what).toBeLessThanOrEqual(fullAnswerTokens);
        expect(line.reasoningTokens as number, what).toBeLessThanOrEqual(
          line.completionTokens as number,
        );
      }
    }
    // Nearly every run was admitted in the end.
    expect(admitted.length).toBeGreaterThan(total - 4);
    const sum = (field: string) =>
      admitted.reduce((n, l) => n + ((l[field] as number | null) ?? 0), 0);

    // Leases: all released (a fixed store clock: none expired by itself).
    await vi.waitFor(async () => expect(await leasesHeld(gw.store)).toBe(0), { timeout: 10_000 });
    // Token reservations: settled to exactly the tokens recorded, refusals refunded.
    expect(await tokensCounted(gw.store)).toBe(sum("promptTokens") + sum("completionTokens"));
    // Requests per minute: the admitted ones only.
    const rpm = await gw.store.slidingWindow(`rpm:${TENANT}/${KEY_ID}`, 1_000_000, 60_000, 0);
    expect(1_000_000 - rpm.remaining).toBe(admitted.length);

    // Usage: every admitted request, with the same tokens as its log line.
    await gw.tenancy.usage.flush();
    const day = new Date().toISOString().slice(0, 10);
    const [recorded] = await gw.store.readUsage(TENANT, day, day);
    expect(recorded?.totals).toEqual({
      requests: admitted.length,
      promptTokens: sum("promptTokens"),
      completionTokens: sum("completionTokens"),
      reasoningTokens: sum("reasoningTokens"),
      errors: admitted.filter((l) => l.outcome !== "done").length,
    });

    // And the key still works: a new request is admitted and answered.
    const after = await client.chat.completions.create({
      model: "qwq",
      messages: [{ role: "user", content: emuPrompt({ usage: usage(0) }) }],
    });
    expect(after.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 40 });
  }, 180_000);
});
