import { type Emulator, startEmulator } from "@thinkgate/emulator";
import { type RunningServer, startServer } from "../../../../apps/node/src/server.js";
import { type Config, parseConfig } from "../../src/index.js";
import { createMemoryStore } from "../../src/store/memory.js";
import type { Store } from "../../src/store/types.js";
import { createTenancy, type TenancyHandle } from "../../src/tenancy/index.js";

// The real thing for the robustness tests: the emulator on a free port, the Node server of
// apps/node in front of it, and tenancy on the memory store with limits on the one key.

export const KEY = "tg-robust-key-0001";
export const TENANT = "robust";
export const KEY_ID = "robust-key";
/** A fixed clock for the store: rpm/tpm windows never roll over and leases never expire by
 * themselves mid-test, so what is counted and held is exactly what the gateway settled. */
export const STORE_NOW = Date.UTC(2026, 0, 1, 0, 0, 30);

export interface NodeGatewayOptions {
  limits?: { rpm?: number; tpm?: number; concurrency?: number };
  idleTimeoutMs?: number;
  firstByteTimeoutMs?: number;
  /** Keep emulator records (false for long runs: no growth). */
  record?: boolean;
  /** The config's routing section (default: one quick retry, a breaker that never opens). */
  routing?: Record<string, unknown>;
  /** The Node server's limits on receiving a request (apps/node defaults otherwise). */
  requestTimeoutMs?: number;
  headersTimeoutMs?: number;
}

export interface NodeGateway {
  emulator: Emulator;
  server: RunningServer;
  tenancy: TenancyHandle;
  store: Store;
  config: Config;
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startNodeGateway(options: NodeGatewayOptions = {}): Promise<NodeGateway> {
  const emulator = await startEmulator({ record: options.record ?? true });
  const config = parseConfig(
    {
      server: { host: "127.0.0.1" },
      // One retry, quickly: failures stay short. The breaker never opens: each scenario's
      // outcome must not depend on the ones before it.
      routing: options.routing ?? {
        retry: { maxAttempts: 2, backoffBaseMs: 20, backoffMaxMs: 50 },
        breaker: { failureThreshold: 1_000_000 },
      },
      backends: {
        emu: {
          type: "openai-compatible",
          baseUrl: `${emulator.url}/vllm/v1`,
          idleTimeoutMs: options.idleTimeoutMs ?? 300,
          firstByteTimeoutMs: options.firstByteTimeoutMs ?? 500,
        },
      },
      models: { qwq: { targets: [{ backend: "emu", model: "Qwen/QwQ-32B" }] } },
      keys: [
        {
          id: KEY_ID,
          key: KEY,
          tenant: TENANT,
          limits: options.limits ?? { concurrency: 2, rpm: 10_000, tpm: 50_000_000 },
        },
      ],
    },
    {},
  );
  const store = createMemoryStore({ now: () => STORE_NOW });
  const tenancy = await createTenancy({ store, configKeys: config.keys, log: () => {} });
  const logs: Array<Record<string, unknown>> = [];
  const server = await startServer({
    config,
    tenancy,
    port: 0,
    log: (l) => logs.push(l),
    ...(options.requestTimeoutMs !== undefined
      ? { requestTimeoutMs: options.requestTimeoutMs }
      : {}),
    ...(options.headersTimeoutMs !== undefined
      ? { headersTimeoutMs: options.headersTimeoutMs }
      : {}),
  });
  return {
    emulator,
    server,
    tenancy,
    store,
    config,
    logs,
    close: async () => {
      await server.close();
      await emulator.close();
      await tenancy.close();
    },
  };
}

/** Concurrency leases the key holds right now, read from the store itself. */
export async function leasesHeld(store: Store): Promise<number> {
  const id = `conc:${TENANT}/${KEY_ID}`;
  const probe = await store.acquireLease(id, 1_000_000, "probe", 60_000);
  await store.releaseLease(id, "probe");
  return probe.active - 1;
}

/** Tokens counted in the key's tpm window right now (reservations and settlements). */
export async function tokensCounted(store: Store): Promise<number> {
  const limit = 1_000_000_000;
  const window = await store.reserve(`tpm:${TENANT}/${KEY_ID}`, limit, 60_000, 0);
  return limit - window.remaining;
}
