import type { Config } from "../config/schema.js";
import type { Limiter } from "../limits/types.js";
import type { CircuitBreakers } from "../router/breaker.js";
import type { InFlight } from "../router/in-flight.js";
import type { Store } from "../store/types.js";
import { MetricsRegistry } from "./metrics-registry.js";
import type { Trace } from "./trace.js";

// Bucket bounds recommended by OpenTelemetry's GenAI metric conventions, so dashboards built for
// them read these histograms as they are. Request durations get three more doublings: a
// reasoning model may think for minutes.
const tokenBuckets = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];
const durationBuckets = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92, 163.84,
  327.68, 655.36,
];
const ttftBuckets = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60,
];
const storeBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** The gateway's doors (client protocols) that metrics count, by route. */
export type Door = "chat_completions";

const doors: Record<string, Door> = { "POST /v1/chat/completions": "chat_completions" };

/** The door a request came in by, or undefined for everything else (health, admin, models). */
export function doorOf(method: string, path: string): Door | undefined {
  return doors[`${method} ${path}`];
}

export interface GatewayMetricsOptions {
  /** Add a `tenant` label to request and token metrics (one series per tenant: opt in). */
  tenantLabels?: boolean;
}

/**
 * What the gateway records, and where. Requests are recorded once, from their finished trace
 * (observability/middleware.ts); routing state is read when scraped.
 */
export interface GatewayMetrics {
  readonly registry: MetricsRegistry;
  /** A request came in by a door (before anything else ran). */
  requestStarted(door: Door): void;
  /** A response went out as a stream still being written. */
  streamOpened(door: Door): void;
  /** The request is over, body included: everything it did is in `trace`. */
  requestFinished(door: Door, status: number, trace: Trace, streamed: boolean): void;
  /** Reads routing's breakers and the config's capacities at each scrape. */
  watchRouting(config: Config, routing: { breakers: CircuitBreakers }): void;
  /** Counts slots held per backend (this instance), for the in-flight gauge. */
  countInFlight(inFlight: InFlight): InFlight;
  /** Counts the limiter's refusals by the limit that said no. */
  countRefusals(limiter: Limiter): Limiter;
  /** Times every store call and counts the ones that fail. */
  instrumentStore(store: Store): Store;
}

export function createGatewayMetrics(options: GatewayMetricsOptions = {}): GatewayMetrics {
  const tenantLabels = options.tenantLabels ?? false;
  const registry = new MetricsRegistry();

  const requests = registry.counter(
    "thinkgate_requests_total",
    "Requests by door, public model, the backend that served (or last failed), HTTP status and how they ended (done, error, aborted).",
    ["door", "model", "backend", "status", "outcome", "tenant"],
  );
  const inFlightRequests = registry.gauge(
    "thinkgate_requests_in_flight",
    "Requests being handled now, body included, by door.",
    ["door"],
  );
  const openStreams = registry.gauge(
    "thinkgate_open_streams",
    "Streamed responses still being written, by door.",
    ["door"],
  );
  const serverDuration = registry.histogram(
    "gen_ai_server_request_duration_seconds",
    "Time from the request's arrival to the end of its response body.",
    ["gen_ai_operation_name", "gen_ai_request_model", "backend", "error_type"],
    durationBuckets,
  );
  const ttft = registry.histogram(
    "gen_ai_server_time_to_first_token_seconds",
    "Time from the request's arrival to its first reasoning, content or tool-call token.",
    ["gen_ai_operation_name", "gen_ai_request_model", "backend"],
    ttftBuckets,
  );
  const tokenUsage = registry.histogram(
    "gen_ai_client_token_usage",
    "Tokens per request as the backend reported them (estimated when it did not): input, and output (reasoning included).",
    [
      "gen_ai_operation_name",
      "gen_ai_provider_name",
      "gen_ai_request_model",
      "gen_ai_token_type",
      "backend",
      "tenant",
    ],
    tokenBuckets,
  );
  const reasoningUsage = registry.histogram(
    "thinkgate_reasoning_token_usage",
    "Reasoning tokens per request: the part of the output tokens spent thinking.",
    ["gen_ai_request_model", "backend", "tenant"],
    tokenBuckets,
  );
  const attempts = registry.counter(
    "thinkgate_upstream_attempts_total",
    "Backends tried or passed over: result served, failed or skipped, with the error or skip code.",
    ["backend", "result", "code"],
  );
  const attemptDuration = registry.histogram(
    "thinkgate_upstream_attempt_duration_seconds",
    "Time one upstream attempt took until the backend's first event, or until it failed.",
    ["backend", "result"],
    durationBuckets,
  );
  const failovers = registry.counter(
    "thinkgate_failovers_total",
    "Times a request moved on from a backend to another target, by the backend left and why.",
    ["model", "backend", "reason"],
  );
  const clientAborts = registry.counter(
    "thinkgate_client_aborts_total",
    "Clients that went away before their response ended, before or after the first token.",
    ["door", "model", "stage"],
  );
  const refusals = registry.counter(
    "thinkgate_limiter_refusals_total",
    "Requests the rate limiter refused (429), by the limit that said no.",
    ["limit"],
  );
  const storeDuration = registry.histogram(
    "thinkgate_store_operation_duration_seconds",
    "Time each store call took, failed ones included.",
    ["operation"],
    storeBuckets,
  );
  const storeErrors = registry.counter(
    "thinkgate_store_errors_total",
    "Store calls that failed (the store was unreachable, timed out or refused).",
    ["operation"],
  );

  const slotsHeld = new Map<string, number>();
  // Error codes partly come from backends' error bodies: a bounded set, the rest is "other".
  const codes = boundedValues(64);
  /** Backend name -> gen_ai.provider.name, known once routing is watched. */
  const providers = new Map<string, string>();
  let watched = false;

  return {
    registry,
    requestStarted(door) {
      inFlightRequests.add({ door }, 1);
    },
    streamOpened(door) {
      openStreams.add({ door }, 1);
    },
    requestFinished(door, status, trace, streamed) {
      inFlightRequests.add({ door }, -1);
      if (streamed) openStreams.add({ door }, -1);
      const model = trace.model ?? "";
      const backend = trace.backend ?? "";
      const tenant = tenantLabels ? (trace.tenant ?? "") : "";
      const outcome = outcomeOf(status, trace);
      requests.inc({ door, model, backend, status: String(status), outcome, tenant });
      serverDuration.observe(
        {
          gen_ai_operation_name: "chat",
          gen_ai_request_model: model,
          backend,
          error_type: outcome === "done" ? "" : codes(trace.errorCode ?? String(status)),
        },
        (performance.now() - trace.startedAt) / 1000,
      );
      if (trace.ttftMs !== undefined) {
        ttft.observe(
          { gen_ai_operation_name: "chat", gen_ai_request_model: model, backend },
          trace.ttftMs / 1000,
        );
      }
      if (trace.promptTokens !== undefined) {
        const provider = providers.get(backend) ?? "";
        tokenUsage.observe(
          {
            gen_ai_operation_name: "chat",
            gen_ai_provider_name: provider,
            gen_ai_request_model: model,
            gen_ai_token_type: "input",
            backend,
            tenant,
          },
          trace.promptTokens,
        );
        tokenUsage.observe(
          {
            gen_ai_operation_name: "chat",
            gen_ai_provider_name: provider,
            gen_ai_request_model: model,
            gen_ai_token_type: "output",
            backend,
            tenant,
          },
          trace.completionTokens ?? 0,
        );
        reasoningUsage.observe(
          { gen_ai_request_model: model, backend, tenant },
          trace.reasoningTokens ?? 0,
        );
      }
      const log = trace.attemptLog;
      for (let i = 0; i < log.length; i++) {
        const record = log[i];
        if (!record) continue;
        const code = codes(record.code ?? "");
        attempts.inc({ backend: record.backend, result: record.outcome, code });
        if (record.outcome !== "skipped") {
          attemptDuration.observe(
            { backend: record.backend, result: record.outcome },
            record.ms / 1000,
          );
        }
        // Every record but the last was left for another target; a served one that was left
        // broke off mid-stream and was continued elsewhere.
        if (i < log.length - 1) {
          const reason = record.outcome === "served" ? "stream_broken" : code || "error";
          failovers.inc({ model, backend: record.backend, reason });
        }
      }
      if (outcome === "aborted") {
        const stage = trace.ttftMs === undefined ? "before_first_token" : "after_first_token";
        clientAborts.inc({ door, model, stage });
      }
    },
    watchRouting(config, routing) {
      if (watched) return;
      watched = true;
      for (const [name, backend] of Object.entries(config.backends)) {
        providers.set(name, backend.type === "dashscope" ? "dashscope" : "openai");
      }
      const capacities = capacitiesOf(config);
      const backendNames = Object.keys(config.backends);
      registry.gaugeFrom(
        "thinkgate_breaker_state",
        "Each backend's circuit breaker in this instance: 1 for its current state (closed, open, half-open), 0 for the others.",
        ["backend", "state"],
        function* () {
          for (const backend of backendNames) {
            const current = routing.breakers.state(backend);
            for (const state of ["closed", "open", "half-open"] as const) {
              yield [{ backend, state }, state === current ? 1 : 0] as const;
            }
          }
        },
      );
      registry.gaugeFrom(
        "thinkgate_backend_in_flight",
        "Requests this instance has in flight on a backend with a capacity (spillover targets).",
        ["backend"],
        function* () {
          for (const backend of new Set(capacities.map((c) => c.backend))) {
            yield [{ backend }, slotsHeld.get(backend) ?? 0] as const;
          }
        },
      );
      registry.gaugeFrom(
        "thinkgate_target_capacity",
        "The in-flight limit (maxConcurrency) of each spillover target, by model and backend.",
        ["model", "backend"],
        function* () {
          for (const { model, backend, capacity } of capacities) {
            yield [{ model, backend }, capacity] as const;
          }
        },
      );
    },
    countInFlight(inner) {
      return {
        async acquire(backend, limit) {
          const slot = await inner.acquire(backend, limit);
          if (!slot) return null;
          slotsHeld.set(backend, (slotsHeld.get(backend) ?? 0) + 1);
          let released = false;
          return {
            release() {
              if (released) return;
              released = true;
              slotsHeld.set(backend, (slotsHeld.get(backend) ?? 1) - 1);
              slot.release();
            },
          };
        },
      };
    },
    countRefusals(limiter) {
      return {
        async admit(req) {
          const result = await limiter.admit(req);
          if (!result.ok) refusals.inc({ limit: result.limit });
          return result;
        },
      };
    },
    instrumentStore(store) {
      const wrapped: Store = Object.create(store);
      for (const operation of storeOperations) {
        const call = store[operation] as (...args: unknown[]) => Promise<unknown>;
        (wrapped as unknown as Record<string, unknown>)[operation] = async (...args: unknown[]) => {
          const started = performance.now();
          try {
            return await call.apply(store, args);
          } catch (err) {
            storeErrors.inc({ operation });
            throw err;
          } finally {
            storeDuration.observe({ operation }, (performance.now() - started) / 1000);
          }
        };
      }
      return wrapped;
    },
  };
}

const storeOperations = [
  "getKey",
  "getKeyById",
  "putKey",
  "listKeys",
  "addUsage",
  "readUsage",
  "slidingWindow",
  "reserve",
  "charge",
  "acquireLease",
  "releaseLease",
] as const satisfies readonly (keyof Store)[];

/** Passes the first `max` distinct values through; any later new value becomes "other". */
function boundedValues(max: number): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (seen.size >= max) return "other";
    seen.add(value);
    return value;
  };
}

/** done: answered in full; aborted: the client left; error: anything else. */
function outcomeOf(status: number, trace: Trace): "done" | "error" | "aborted" {
  if (trace.outcome) return trace.outcome;
  if (trace.errorCode === "client_closed_request") return "aborted";
  return status < 400 ? "done" : "error";
}

/** Spillover targets with their capacity (the target's, else its backend's maxConcurrency). */
function capacitiesOf(config: Config): { model: string; backend: string; capacity: number }[] {
  const out: { model: string; backend: string; capacity: number }[] = [];
  for (const [model, m] of Object.entries(config.models)) {
    if (m.strategy !== "spillover") continue;
    for (const t of m.targets) {
      const capacity = t.maxConcurrency ?? config.backends[t.backend]?.maxConcurrency;
      if (capacity !== undefined) out.push({ model, backend: t.backend, capacity });
    }
  }
  return out;
}
