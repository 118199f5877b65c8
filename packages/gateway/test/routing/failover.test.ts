import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/errors/api-error.js";
import type { AttemptRecord } from "../../src/router/attempt-log.js";
import { CircuitBreakers } from "../../src/router/breaker.js";
import {
  type AttemptOutcome,
  type FailoverCandidate,
  failover,
  type RetryPolicy,
} from "../../src/router/failover.js";
import { memoryInFlight } from "../../src/router/in-flight.js";
import { manualClock, seededRandom } from "./seeded-random.js";

type Script = Record<string, Array<AttemptOutcome<string> | "ok">>;

const fail = (status: number, code: string, retryAfterMs: number | null = null) =>
  ({
    ok: false,
    error: new ApiError(status, { message: code, type: "upstream_error", param: null, code }),
    retryable: status !== 400,
    retryAfterMs,
  }) as const;

/**
 * Failover over scripted backends: each attempt takes the next outcome from the backend's
 * script ("ok" serves). Time is a manual clock that sleeps and attempts move forward.
 */
function setup(options: { retry?: Partial<RetryPolicy>; threshold?: number } = {}) {
  const clock = manualClock();
  const breakers = new CircuitBreakers({
    failureThreshold: options.threshold ?? 3,
    cooldownMs: 30_000,
    now: clock.now,
  });
  const inFlight = memoryInFlight();
  const log: AttemptRecord[] = [];
  const sleeps: number[] = [];
  const calls: string[] = [];
  const retry: RetryPolicy = {
    maxAttempts: 3,
    budgetMs: 60_000,
    backoffBaseMs: 100,
    backoffMaxMs: 1_000,
    maxRetryAfterMs: 5_000,
    ...options.retry,
  };
  const run = (candidates: FailoverCandidate[], script: Script, attemptMs = 10) =>
    failover<FailoverCandidate, string>({
      candidates,
      breakers,
      inFlight,
      retry,
      now: clock.now,
      random: seededRandom(3),
      async sleep(ms) {
        sleeps.push(ms);
        clock.advance(ms);
      },
      onAttempt: (r) => log.push(r),
      async attempt(c, timeoutMs) {
        calls.push(c.backend);
        clock.advance(Math.min(attemptMs, timeoutMs));
        const next = script[c.backend]?.shift() ?? "ok";
        return next === "ok" ? { ok: true, value: c.backend } : next;
      },
    });
  return { clock, breakers, inFlight, log, sleeps, calls, run };
}

const gpu = { backend: "gpu" };
const cloud = { backend: "cloud" };

describe("failover", () => {
  it("serves from the first target when it works", async () => {
    const t = setup();
    const served = await t.run([gpu, cloud], {});
    expect(served.value).toBe("gpu");
    expect(t.log).toEqual([{ backend: "gpu", outcome: "served", ms: 10 }]);
  });

  it("moves to the next target on a retryable failure, without waiting", async () => {
    const t = setup();
    const served = await t.run([gpu, cloud], { gpu: [fail(502, "upstream_unreachable")] });
    expect(served.value).toBe("cloud");
    expect(t.sleeps).toEqual([]);
    expect(t.log).toEqual([
      { backend: "gpu", outcome: "failed", status: 502, code: "upstream_unreachable", ms: 10 },
      { backend: "cloud", outcome: "served", ms: 10 },
    ]);
  });

  it("stops at a non-retryable failure (bad request) and leaves the circuit alone", async () => {
    const t = setup({ threshold: 1 });
    await expect(
      t.run([gpu, cloud], { gpu: [fail(400, "upstream_bad_request")] }),
    ).rejects.toMatchObject({
      status: 400,
    });
    expect(t.calls).toEqual(["gpu"]);
    expect(t.breakers.state("gpu")).toBe("closed");
  });

  it("retries a backend already tried only after a full-jitter backoff", async () => {
    const t = setup();
    const served = await t.run([gpu], {
      gpu: [fail(502, "upstream_error"), fail(502, "upstream_error")],
    });
    expect(served.value).toBe("gpu");
    expect(t.calls).toEqual(["gpu", "gpu", "gpu"]);
    expect(t.sleeps).toHaveLength(2);
    expect(t.sleeps[0]).toBeLessThan(100);
    expect(t.sleeps[1]).toBeLessThan(200);
  });

  it("answers a single backend's own error when all its attempts failed", async () => {
    const t = setup();
    await expect(
      t.run([gpu], {
        gpu: [
          fail(504, "upstream_timeout"),
          fail(504, "upstream_timeout"),
          fail(504, "upstream_timeout"),
        ],
      }),
    ).rejects.toMatchObject({ status: 504, body: { code: "upstream_timeout" } });
    expect(t.calls).toHaveLength(3);
  });

  it("answers 503 naming the backends when several failed", async () => {
    const t = setup({ retry: { maxAttempts: 2 } });
    const err = await t
      .run([gpu, cloud], {
        gpu: [fail(502, "upstream_unreachable")],
        cloud: [fail(502, "upstream_error")],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    const api = err as ApiError;
    expect(api.status).toBe(503);
    expect(api.body.code).toBe("no_backend_available");
    expect(api.body.message).toContain("gpu (upstream_unreachable)");
    expect(api.body.message).toContain("cloud (upstream_error)");
    expect(api.headers?.["retry-after"]).toBe("1");
  });

  it("honours a 429's Retry-After within the budget: waits for it, then retries", async () => {
    const t = setup();
    const served = await t.run([gpu], { gpu: [fail(429, "upstream_rate_limited", 2_000)] });
    expect(served.value).toBe("gpu");
    expect(t.calls).toEqual(["gpu", "gpu"]);
    // Not before the Retry-After ran out: 10 ms attempt, then ≥ 1990 ms of waiting.
    const waited = t.sleeps.reduce((a, b) => a + b, 0);
    expect(waited).toBeGreaterThanOrEqual(1_990);
    expect(t.breakers.state("gpu")).toBe("closed");
    expect(t.log.map((r) => r.code ?? r.outcome)).toEqual([
      "upstream_rate_limited",
      "retry_after",
      "served",
    ]);
  });

  it("moves on to the next target at once rather than wait out a Retry-After", async () => {
    const t = setup();
    const served = await t.run([gpu, cloud], { gpu: [fail(429, "upstream_rate_limited", 5_000)] });
    expect(served.value).toBe("cloud");
    expect(t.sleeps).toEqual([]);
  });

  it("a Retry-After longer than worth waiting for: the 429 goes back to the client at once", async () => {
    const t = setup({ retry: { maxRetryAfterMs: 2_000 } });
    const err = (await t
      .run([gpu], { gpu: [fail(429, "upstream_rate_limited", 7_000)] })
      .catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(429);
    expect(t.calls).toEqual(["gpu"]);
    expect(t.sleeps).toEqual([]);
  });

  it("a Retry-After is this request's: the next request tries the backend again", async () => {
    const t = setup({ retry: { maxRetryAfterMs: 1_000 } });
    await t.run([gpu], { gpu: [fail(429, "upstream_rate_limited", 7_000)] }).catch(() => {});
    const served = await t.run([gpu], {});
    expect(served.value).toBe("gpu");
    expect(t.breakers.state("gpu")).toBe("closed");
  });

  it("retries within one request count once against the breaker", async () => {
    const t = setup({ threshold: 2 });
    const thrice = () => [
      fail(502, "upstream_error"),
      fail(502, "upstream_error"),
      fail(502, "upstream_error"),
    ];
    await t.run([gpu], { gpu: thrice() }).catch(() => {});
    expect(t.calls).toHaveLength(3);
    expect(t.breakers.state("gpu")).toBe("closed");
    await t.run([gpu], { gpu: thrice() }).catch(() => {});
    expect(t.breakers.state("gpu")).toBe("open");
  });

  it("a Retry-After beyond the budget: the 429 goes back to the client at once", async () => {
    const t = setup({ retry: { budgetMs: 3_000 } });
    await expect(
      t.run([gpu], { gpu: [fail(429, "upstream_rate_limited", 10_000)] }),
    ).rejects.toMatchObject({ status: 429 });
    expect(t.calls).toEqual(["gpu"]);
    expect(t.sleeps).toEqual([]);
  });

  it("an open circuit costs nothing: the dead backend is skipped, not tried", async () => {
    const t = setup({ threshold: 2 });
    const dead = () => [fail(502, "upstream_unreachable")];
    await t.run([gpu, cloud], { gpu: dead() });
    await t.run([gpu, cloud], { gpu: dead() });
    expect(t.breakers.state("gpu")).toBe("open");
    t.calls.length = 0;
    t.log.length = 0;
    const served = await t.run([gpu, cloud], { gpu: dead() });
    expect(served.value).toBe("cloud");
    expect(t.calls).toEqual(["cloud"]);
    expect(t.log[0]).toEqual({ backend: "gpu", outcome: "skipped", code: "circuit_open", ms: 0 });
  });

  it("after the cooldown one request probes the backend, and its success closes the circuit", async () => {
    const t = setup({ threshold: 1 });
    await t.run([gpu, cloud], { gpu: [fail(502, "upstream_unreachable")] });
    expect(t.breakers.state("gpu")).toBe("open");
    t.clock.advance(30_000);
    const probe = await t.run([gpu, cloud], {});
    expect(probe.value).toBe("gpu");
    expect(t.breakers.state("gpu")).toBe("closed");
  });

  it("every circuit open: 503 at once, with Retry-After until the first cooldown ends", async () => {
    const t = setup({ threshold: 1, retry: { maxAttempts: 2 } });
    await t
      .run([gpu, cloud], {
        gpu: [fail(502, "upstream_unreachable")],
        cloud: [fail(502, "upstream_unreachable")],
      })
      .catch(() => {});
    t.calls.length = 0;
    t.clock.advance(5_000);
    const err = (await t.run([gpu, cloud], {}).catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(503);
    expect(err.body.message).toContain("unavailable");
    expect(Number(err.headers?.["retry-after"])).toBeGreaterThanOrEqual(24);
    expect(t.calls).toEqual([]);
    expect(t.sleeps).toEqual([]);
  });

  it("spillover: a full backend is passed over; its slot is held by the served request", async () => {
    const t = setup();
    const limited = { backend: "gpu", capacity: 1 };
    const first = await t.run([limited, cloud], {});
    expect(first.value).toBe("gpu");
    expect(t.inFlight.count("gpu")).toBe(1);
    const second = await t.run([limited, cloud], {});
    expect(second.value).toBe("cloud");
    expect(t.log.at(-2)).toEqual({
      backend: "gpu",
      outcome: "skipped",
      code: "at_capacity",
      ms: 0,
    });
    first.slot.release();
    expect(t.inFlight.count("gpu")).toBe(0);
    const third = await t.run([limited, cloud], {});
    expect(third.value).toBe("gpu");
  });

  it("spillover: a failed attempt gives its slot back", async () => {
    const t = setup();
    const limited = { backend: "gpu", capacity: 1 };
    const served = await t.run([limited, cloud], { gpu: [fail(502, "upstream_error")] });
    expect(served.value).toBe("cloud");
    expect(t.inFlight.count("gpu")).toBe(0);
  });

  it("every backend full: 503 at capacity", async () => {
    const t = setup();
    const limited = { backend: "gpu", capacity: 1 };
    await t.run([limited], {});
    const err = (await t.run([limited], {}).catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(503);
    expect(err.body.message).toContain("at capacity");
  });

  it("the budget bounds the whole: no attempt starts after it ran out", async () => {
    const t = setup({ retry: { budgetMs: 1_000, maxAttempts: 10 } });
    const slow = Array.from({ length: 10 }, () => fail(504, "upstream_timeout"));
    await expect(
      t.run([gpu, cloud], { gpu: [...slow], cloud: [...slow] }, 400),
    ).rejects.toMatchObject({
      status: 503,
    });
    // 400 ms per attempt, the last one cut to what was left of the budget.
    expect(t.calls.length).toBeLessThanOrEqual(3);
  });

  it("the client leaving mid-attempt gives back the slot and the probe", async () => {
    const t = setup({ threshold: 1 });
    await t.run([gpu, cloud], { gpu: [fail(502, "upstream_unreachable")] });
    t.clock.advance(30_000);
    const gone = new ApiError(499, {
      message: "gone",
      type: "x",
      param: null,
      code: "client_closed_request",
    });
    const breakers = t.breakers;
    const inFlight = t.inFlight;
    await expect(
      failover({
        candidates: [{ backend: "gpu", capacity: 1 }],
        breakers,
        inFlight,
        retry: {
          maxAttempts: 3,
          budgetMs: 60_000,
          backoffBaseMs: 1,
          backoffMaxMs: 1,
          maxRetryAfterMs: 1,
        },
        now: t.clock.now,
        random: Math.random,
        sleep: async () => {},
        onAttempt: () => {},
        attempt: async () => {
          throw gone;
        },
      }),
    ).rejects.toBe(gone);
    expect(inFlight.count("gpu")).toBe(0);
    // The probe was given back: the next request may probe at once.
    expect(breakers.admit("gpu")).toEqual({ allowed: true, probe: true });
  });
});

// A failure that may be the request's own doing (its stream opened with an error, a 500, no
// first event in time) is weighed once the request's fate is known.
const doubtful = (code = "upstream_stream_error") => ({ ...fail(502, code), ambiguous: true });

describe("whom a failure is blamed on", () => {
  it("a request that fails the same doubtful way on two backends opens neither circuit", async () => {
    const t = setup({ threshold: 1, retry: { maxAttempts: 2 } });
    const err = (await t
      .run([gpu, cloud], { gpu: [doubtful()], cloud: [doubtful("upstream_timeout")] })
      .catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(503);
    expect(t.breakers.state("gpu")).toBe("closed");
    expect(t.breakers.state("cloud")).toBe("closed");
  });

  it("five such requests in a row leave a backend serving everyone else", async () => {
    const t = setup({ threshold: 5, retry: { maxAttempts: 2 } });
    for (let i = 0; i < 5; i++) {
      await t.run([gpu, cloud], { gpu: [doubtful()], cloud: [doubtful()] }).catch(() => {});
    }
    expect((await t.run([gpu, cloud], {})).value).toBe("gpu");
  });

  it("a doubtful failure the next backend served anyway counts against the backend", async () => {
    const t = setup({ threshold: 1 });
    const served = await t.run([gpu, cloud], { gpu: [doubtful()] });
    expect(served.value).toBe("cloud");
    expect(t.breakers.state("gpu")).toBe("open");
    expect(t.breakers.state("cloud")).toBe("closed");
  });

  it("a doubtful failure on the only backend tried counts: a backend breaking every stream trips", async () => {
    const t = setup({ threshold: 1, retry: { maxAttempts: 1 } });
    await t.run([gpu, cloud], { gpu: [doubtful()] }).catch(() => {});
    expect(t.breakers.state("gpu")).toBe("open");
  });

  it("a doubtful failure followed by the request's own 400 elsewhere blames no backend", async () => {
    const t = setup({ threshold: 1 });
    await t
      .run([gpu, cloud], { gpu: [doubtful()], cloud: [fail(400, "upstream_bad_request")] })
      .catch(() => {});
    expect(t.breakers.state("gpu")).toBe("closed");
  });

  it("a clear backend failure (unreachable) still counts at once", async () => {
    const t = setup({ threshold: 1, retry: { maxAttempts: 2 } });
    await t
      .run([gpu, cloud], { gpu: [fail(502, "upstream_unreachable")], cloud: [doubtful()] })
      .catch(() => {});
    expect(t.breakers.state("gpu")).toBe("open");
  });
});

describe("capacity kept for requests that cannot spill over", () => {
  const box = { backend: "gpu", capacity: 2, reserved: 1 };

  it("a request with a later target leaves the reserved slots free; a pinned one may take them", async () => {
    const t = setup();
    const a = await t.run([box, cloud], {});
    expect(a.value).toBe("gpu");
    // Unrestricted: one slot of two is reserved, so it spills to the cloud.
    const b = await t.run([box, cloud], {});
    expect(b.value).toBe("cloud");
    // Pinned to local: no later target, so the reserved slot is its to take.
    const pinned = await t.run([box], {});
    expect(pinned.value).toBe("gpu");
    expect(t.inFlight.count("gpu")).toBe(2);
    const full = (await t.run([box], {}).catch((e: unknown) => e)) as ApiError;
    expect(full.status).toBe(503);
  });

  it("a reservation never takes a backend's last slot from everyone", async () => {
    const t = setup();
    const tiny = { backend: "gpu", capacity: 1, reserved: 5 };
    expect((await t.run([tiny, cloud], {})).value).toBe("gpu");
  });
});
