import { type Emulator, startEmulator } from "@thinkgate/emulator";
import OpenAI from "openai";
import { afterAll, beforeAll } from "vitest";
import { type ConfigInput, createApp, type GatewayDeps, parseConfig } from "../../src/index.js";

// The whole gateway (createApp) in front of one real emulator that plays several backends by
// dialect prefix: two local GPU boxes (vLLM, SGLang) and DashScope as the cloud. Callers use
// the official openai client.

export const KEYS = {
  anyone: "tg-routing-anyone-0001",
  local: "tg-routing-local-only-0001",
} as const;

export interface Gateway {
  app: ReturnType<typeof createApp>;
  client(key?: string): OpenAI;
  logs: Array<Record<string, unknown>>;
  /** The request's log line (written when its response ended). */
  line(requestId: string | null): Promise<Record<string, unknown>>;
  /** POST /v1/chat/completions as raw fetch, for streams the test holds open. */
  post(body: unknown, key?: string): Promise<Response>;
}

export function useEmulator() {
  const ref = {} as { emulator: Emulator; url: string; dead: string };
  beforeAll(async () => {
    ref.emulator = await startEmulator();
    ref.url = ref.emulator.url;
  });
  afterAll(() => ref.emulator.close());
  return ref;
}

/**
 * The GPU backends' first-byte timeout, where a test does not set one: far above any pause of a
 * loaded machine, so that only the upstreams scripted to hang run into it.
 */
const FIRST_BYTE_TIMEOUT_MS = 10_000;

/** Backends on the emulator: `gpu-a` (vLLM), `gpu-b` (SGLang), both local; `cloud` (DashScope). */
export function backendsOn(url: string, extra: Record<string, Record<string, unknown>> = {}) {
  return {
    "gpu-a": {
      type: "openai-compatible",
      baseUrl: `${url}/vllm/v1`,
      tags: ["local"],
      firstByteTimeoutMs: FIRST_BYTE_TIMEOUT_MS,
      ...extra["gpu-a"],
    },
    "gpu-b": {
      type: "openai-compatible",
      baseUrl: `${url}/sglang/v1`,
      tags: ["local"],
      firstByteTimeoutMs: FIRST_BYTE_TIMEOUT_MS,
      ...extra["gpu-b"],
    },
    cloud: {
      type: "dashscope",
      baseUrl: `${url}/dashscope/compatible-mode/v1`,
      apiKey: "sk-emulated",
      tags: ["cloud"],
      ...extra.cloud,
    },
  } as ConfigInput["backends"];
}

export function startGateway(
  input: Omit<ConfigInput, "keys">,
  deps: Omit<GatewayDeps, "config"> = {},
): Gateway {
  const config = parseConfig(
    {
      ...input,
      keys: [
        { key: KEYS.anyone, tenant: "acme" },
        { key: KEYS.local, tenant: "onprem", tags: ["local"] },
      ],
    },
    {},
  );
  const logs: Array<Record<string, unknown>> = [];
  const app = createApp({ log: (l) => logs.push(l), ...deps, config });
  const fetchApp = ((req: RequestInfo | URL, init?: RequestInit) =>
    app.request(String(req), init)) as typeof fetch;
  return {
    app,
    logs,
    client: (key = KEYS.anyone) =>
      new OpenAI({
        apiKey: key,
        baseURL: "http://gateway.test/v1",
        fetch: fetchApp,
        maxRetries: 0,
      }),
    async line(requestId) {
      let found: Record<string, unknown> | undefined;
      // Written as the response ends: waited for, up to 10 s on a loaded machine.
      for (let i = 0; i < 1000 && !found; i++) {
        found = logs.find((l) => l.requestId === requestId);
        if (!found) await new Promise((r) => setTimeout(r, 10));
      }
      if (!found) throw new Error(`no log line for ${requestId}`);
      return found;
    },
    post: async (body, key = KEYS.anyone) =>
      app.request("/v1/chat/completions", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify(body),
      }),
  };
}

/** Requests the emulator saw for one dialect since `from`. */
export function seen(emulator: Emulator, dialect: string, from = 0) {
  return emulator.requests.slice(from).filter((r) => r.dialect === dialect);
}
