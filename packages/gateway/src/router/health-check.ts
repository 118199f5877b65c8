import type { Config } from "../config/schema.js";
import { upstreamBody } from "../upstream/request-body.js";
import type { UpstreamFetch } from "../upstream/transport.js";
import type { Upstream } from "../upstream/types.js";
import type { CircuitBreakers } from "./breaker.js";
import { attemptUpstream } from "./upstream-attempt.js";

export interface HealthCheckOptions {
  config: Config;
  upstreams: Map<string, Upstream>;
  breakers: CircuitBreakers;
  fetch: UpstreamFetch;
  /** A probe without a first event within this long counts as a failure. */
  timeoutMs: number;
}

export interface ProbeResult {
  backend: string;
  ok: boolean;
  /** The error code when it failed. */
  code?: string;
}

/**
 * One round of active probes: every backend that serves some model gets a one-token request
 * for the first model it serves, streamed (DashScope's QwQ refuses anything else), through the
 * same path as real traffic. Results feed the breakers, so a backend that died while idle is
 * passed over before a user finds out, and one that came back closes its circuit.
 */
export async function checkBackends(options: HealthCheckOptions): Promise<ProbeResult[]> {
  const probes = [...firstModelPerBackend(options.config)].flatMap(([backend, model]) => {
    const upstream = options.upstreams.get(backend);
    return upstream ? [probe(options, upstream, model)] : [];
  });
  return Promise.all(probes);
}

async function probe(
  options: HealthCheckOptions,
  upstream: Upstream,
  model: string,
): Promise<ProbeResult> {
  const body = upstreamBody(
    { model, messages: [{ role: "user", content: "ping" }], max_tokens: 1 },
    upstream,
    { model, historyReasoning: upstream.historyReasoning },
  );
  const controller = new AbortController();
  try {
    const outcome = await attemptUpstream({
      fetch: options.fetch,
      upstream,
      headers: { ...upstream.headers, "x-request-id": `health_${crypto.randomUUID()}` },
      body: JSON.stringify(body),
      tools: false,
      timeoutMs: options.timeoutMs,
      clientSignal: controller.signal,
    });
    if (outcome.ok) {
      // One event is all a probe needs; the rest of the answer is not wanted.
      outcome.value.reader.cancel().catch(() => {});
      outcome.value.release();
      options.breakers.success(upstream.name);
      return { backend: upstream.name, ok: true };
    }
    // A busy backend (429) is alive; only real failures count against it.
    if (outcome.error.status === 429) return { backend: upstream.name, ok: true };
    options.breakers.failure(upstream.name);
    return { backend: upstream.name, ok: false, code: outcome.error.body.code ?? "upstream_error" };
  } finally {
    controller.abort();
  }
}

function firstModelPerBackend(config: Config): Map<string, string> {
  const models = new Map<string, string>();
  for (const model of Object.values(config.models)) {
    for (const target of model.targets) {
      if (!models.has(target.backend)) models.set(target.backend, target.model);
    }
  }
  return models;
}

/**
 * Node: probes every `intervalMs` until stopped. The timer is unref'd so it never keeps a
 * process alive; rounds never overlap. (Workers would run checkBackends from a Cron Trigger,
 * but breakers live per isolate there, so the gain is small.)
 */
export function startHealthChecks(
  options: HealthCheckOptions & { intervalMs: number; onResult?: (r: ProbeResult[]) => void },
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    checkBackends(options)
      .then((results) => options.onResult?.(results))
      .catch(() => {})
      .finally(() => {
        running = false;
      });
  }, options.intervalMs);
  (timer as { unref?: () => void }).unref?.();
  return () => clearInterval(timer);
}
