import type { Store, WindowResult } from "../store/types.js";
import { StoreUnavailableError, storeCall } from "../store/unavailable.js";
import { rateLimitHeaders } from "./headers.js";
import type { AdmitRequest, AdmitResult, Lease, Limiter, SettledUsage } from "./types.js";

// Requests per minute, tokens per minute and concurrent requests, per key, on any store.
//
// - rpm: @upstash/ratelimit's sliding window, cost 1 (a full window counts nothing).
// - tpm: the same sliding window counters, reserving the request's estimate all-or-nothing at
//   admission (store.reserve), settled with the real usage (reasoning included) at the end: a
//   refund goes to the window the reservation was counted in, an overrun to the current one.
// - concurrency: leases in the store that the request releases when it ends, renewed while it
//   runs, and that expire on their own (leaseTtlMs) if the instance holding them dies.
//
// The three checks go to the store together (one pipelined round trip). If any says no, what
// the others counted is refunded before answering: a rejected request never counts.

export interface LimiterOptions {
  store: Store;
  /** Window of rpm and tpm. Default 60 s. */
  windowMs?: number;
  /** A lease not released within this time expires by itself. Default 10 minutes. */
  leaseTtlMs?: number;
  /** A store call slower than this counts as an outage. Default 1000 ms. */
  storeTimeoutMs?: number;
  /**
   * When the store is unreachable: "open" (default) admits the request without limits and logs
   * a warning; "closed" throws StoreUnavailableError (answer 503).
   */
  onStoreDown?: "open" | "closed";
  log?: (line: Record<string, unknown>) => void;
  now?: () => number;
}

const noLimits: Lease = { headers: {}, settle: async () => {} };

export function createLimiter(options: LimiterOptions): Limiter {
  const { store } = options;
  const windowMs = options.windowMs ?? 60_000;
  const leaseTtlMs = options.leaseTtlMs ?? 600_000;
  const timeoutMs = options.storeTimeoutMs ?? 1000;
  const onStoreDown = options.onStoreDown ?? "open";
  const log = options.log ?? (() => {});
  const now = options.now ?? Date.now;

  async function admit(req: AdmitRequest): Promise<AdmitResult> {
    const { rpm, tpm, concurrency } = req.principal.limits ?? {};
    if (!rpm && !tpm && !concurrency) return { ok: true, lease: noLimits };
    const id = `${req.principal.tenant}/${req.principal.keyId}`;
    const rpmId = `rpm:${id}`;
    const tpmId = `tpm:${id}`;
    const leaseSet = `conc:${id}`;
    // The request id may be the client's own (x-request-id), and clients reuse theirs: a lease
    // keyed by it alone would let requests sharing one id share one slot.
    const leaseId = `${req.requestId}#${crypto.randomUUID()}`;
    // An estimate above the whole limit could never fit: reserve the limit instead, so such a
    // request still runs when the window is empty.
    const reserved = tpm ? Math.max(1, Math.min(Math.ceil(req.estimatedTokens), tpm)) : 0;

    const [rpmResult, tpmResult, leaseResult] = await Promise.allSettled([
      rpm ? storeCall("rpm", timeoutMs, () => store.slidingWindow(rpmId, rpm, windowMs, 1)) : null,
      tpm ? storeCall("tpm", timeoutMs, () => store.reserve(tpmId, tpm, windowMs, reserved)) : null,
      concurrency
        ? storeCall("concurrency", timeoutMs, () =>
            store.acquireLease(leaseSet, concurrency, leaseId, leaseTtlMs),
          )
        : null,
    ]);

    const requests = rpmResult.status === "fulfilled" ? rpmResult.value : null;
    const tokens = tpmResult.status === "fulfilled" ? tpmResult.value : null;
    const lease = leaseResult.status === "fulfilled" ? leaseResult.value : null;

    // Undo whatever was counted for a request that will not run (under the same deadline: a
    // refund must not hang a refusal on a store that stopped answering).
    async function refund(): Promise<void> {
      const undo = (op: string, fn: () => Promise<void>) => storeCall(op, timeoutMs, fn);
      await Promise.allSettled([
        requests?.success ? undo("refund", () => store.charge(rpmId, windowMs, -1)) : null,
        tokens?.success
          ? undo("refund", () => store.charge(tpmId, windowMs, -reserved, tokens.window))
          : null,
        lease?.ok ? undo("release", () => store.releaseLease(leaseSet, leaseId)) : null,
      ]);
    }

    const failure = [rpmResult, tpmResult, leaseResult].find((r) => r.status === "rejected");
    if (failure) {
      const error = (failure as PromiseRejectedResult).reason;
      await refund();
      if (onStoreDown === "closed") {
        throw error instanceof StoreUnavailableError
          ? error
          : new StoreUnavailableError("admit", error);
      }
      log({ level: "warn", msg: "limits fail open: store unavailable", error: String(error) });
      return { ok: true, lease: noLimits };
    }

    const at = now();
    const headers = rateLimitHeaders(
      { ...(requests ? { requests } : {}), ...(tokens ? { tokens } : {}) },
      at,
    );

    const refused = rejection(requests, tokens, lease, concurrency ?? 0, reserved, at);
    if (refused) {
      await refund();
      return { ok: false, ...refused, headers };
    }

    // A reasoning stream can outlive the lease TTL: while the request runs, its lease is renewed
    // (re-acquiring an id it holds only moves its expiry). If this instance dies, so does the
    // timer, and the lease expires on its own.
    // A renewal that fails is logged: one failure leaves the lease half its TTL; a second in a
    // row lets it expire, and the request then runs outside the concurrency limit.
    const renewal = concurrency
      ? setInterval(
          () => {
            storeCall("renew", timeoutMs, () =>
              store.acquireLease(leaseSet, concurrency, leaseId, leaseTtlMs),
            ).then(
              (renewed) => {
                if (!renewed.ok) {
                  log({
                    level: "warn",
                    msg: "concurrency lease lost: it expired before its renewal and the slots are taken; the request runs on outside the limit",
                    requestId: req.requestId,
                  });
                }
              },
              (error) => {
                log({
                  level: "warn",
                  msg: "concurrency lease renewal failed: the lease expires unless the next renewal succeeds",
                  requestId: req.requestId,
                  error: String(error),
                });
              },
            );
          },
          Math.max(10, leaseTtlMs / 2),
        )
      : undefined;
    (renewal as { unref?: () => void } | undefined)?.unref?.();

    let settled = false;
    return {
      ok: true,
      lease: {
        headers,
        async settle(usage: SettledUsage | null) {
          if (settled) return;
          settled = true;
          clearInterval(renewal);
          // Without usage the reservation stands (the pipeline always has a count: the
          // upstream's, an estimate, or zero for a request that never left the gateway).
          const correction =
            usage && tpm ? usage.promptTokens + usage.completionTokens - reserved : 0;
          // A refund goes back to the window the reservation was counted in; tokens used
          // beyond the reservation are charged now, in the current window.
          const window = correction < 0 ? tokens?.window : undefined;
          const results = await Promise.allSettled([
            concurrency
              ? storeCall("release", timeoutMs, () => store.releaseLease(leaseSet, leaseId))
              : null,
            correction !== 0
              ? storeCall("settle", timeoutMs, () =>
                  store.charge(tpmId, windowMs, correction, window),
                )
              : null,
          ]);
          for (const r of results) {
            if (r.status === "rejected") {
              log({
                level: "warn",
                msg: "limit settlement failed: the lease expires on its own; the token correction is lost",
                requestId: req.requestId,
                correction,
                error: String(r.reason),
              });
            }
          }
        },
      },
    };
  }

  function rejection(
    requests: WindowResult | null,
    tokens: WindowResult | null,
    lease: { ok: boolean } | null,
    concurrency: number,
    reserved: number,
    at: number,
  ): { limit: "rpm" | "tpm" | "concurrency"; retryAfterSeconds: number; message: string } | null {
    const wait = (reset: number) => Math.max(1, Math.ceil((reset - at) / 1000));
    if (requests && !requests.success) {
      const retryAfterSeconds = wait(requests.reset);
      return {
        limit: "rpm",
        retryAfterSeconds,
        message: `Rate limit reached for requests per minute (rpm): limit ${requests.limit}. Please try again in ${retryAfterSeconds}s.`,
      };
    }
    if (tokens && !tokens.success) {
      const retryAfterSeconds = wait(tokens.reset);
      return {
        limit: "tpm",
        retryAfterSeconds,
        message: `Rate limit reached for tokens per minute (tpm): limit ${tokens.limit}, remaining ${tokens.remaining}, requested ${reserved}. Please try again in ${retryAfterSeconds}s.`,
      };
    }
    if (lease && !lease.ok) {
      return {
        limit: "concurrency",
        // A slot frees as soon as any of the running requests ends.
        retryAfterSeconds: 1,
        message: `Too many concurrent requests: limit ${concurrency} in flight. Please try again shortly.`,
      };
    }
    return null;
  }

  return { admit };
}
