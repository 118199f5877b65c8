import type { Context } from "hono";
import type { Config } from "../config/schema.js";
import type { BreakerState } from "../router/breaker.js";
import type { Store } from "../store/types.js";

export interface ReadinessOptions {
  config: Config;
  /** This instance's breakers (routing's). */
  breakers: { state(backend: string): BreakerState };
  /** Tenancy's store; absent: config keys only, nothing to ask. */
  store: Store | undefined;
  /** The store must answer within this. */
  storeTimeoutMs: number;
}

interface StoreStatus {
  type: Store["type"];
  ok: boolean;
  error?: string;
}

interface ModelStatus {
  ok: boolean;
  /** Backends whose circuit lets requests through (closed, or half-open: one probe may go). */
  usable: string[];
  /** Backends whose circuit is open: passed over until it cools down. */
  open: string[];
}

/**
 * GET /readyz: 200 when the store answers and every model has at least one target whose
 * circuit is not open; else 503. The body says which part is not ready. /healthz stays
 * liveness only (the process answers), so an orchestrator restarts a process only when it is
 * stuck, and merely stops sending traffic while its backends or store are away.
 */
export function readyz(options: ReadinessOptions) {
  const { config, breakers } = options;
  const models = Object.entries(config.models).map(
    ([name, model]) => [name, [...new Set(model.targets.map((t) => t.backend))]] as const,
  );
  // /readyz needs no key: without this, every call from anyone would be a store command (billed
  // per command on Upstash). Checks within a second share one answer.
  let recent: { at: number; status: Promise<StoreStatus> } | undefined;
  const checkStore = (store: Store): Promise<StoreStatus> => {
    const now = performance.now();
    if (!recent || now - recent.at >= storeCheckReuseMs) {
      recent = { at: now, status: storeStatus(store, options.storeTimeoutMs) };
    }
    return recent.status;
  };
  return async function readyz(c: Context): Promise<Response> {
    const store = options.store ? await checkStore(options.store) : null;
    let ready = store?.ok ?? true;
    const modelStatus: Record<string, ModelStatus> = {};
    for (const [name, backends] of models) {
      const usable: string[] = [];
      const open: string[] = [];
      for (const backend of backends) {
        (breakers.state(backend) === "open" ? open : usable).push(backend);
      }
      const ok = usable.length > 0;
      if (!ok) ready = false;
      modelStatus[name] = { ok, usable, open };
    }
    const body = {
      status: ready ? "ready" : "not_ready",
      ...(store ? { store } : {}),
      models: modelStatus,
    };
    return c.json(body, ready ? 200 : 503, { "cache-control": "no-store" });
  };
}

const storeCheckReuseMs = 1000;

/** One cheap read (a key id that never exists) within the timeout. */
async function storeStatus(store: Store, timeoutMs: number): Promise<StoreStatus> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  try {
    const answer = await Promise.race([store.getKeyById("readyz:probe"), timeout]);
    if (answer === "timeout") {
      return { type: store.type, ok: false, error: `no answer within ${timeoutMs} ms` };
    }
    return { type: store.type, ok: true };
  } catch (err) {
    // The error's class or code only: its message may carry a connection string.
    const code = (err as { code?: unknown }).code;
    const why = typeof code === "string" ? code : ((err as Error).name ?? "Error");
    return { type: store.type, ok: false, error: `the store call failed (${why})` };
  } finally {
    clearTimeout(timer);
  }
}
