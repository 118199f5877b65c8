import { UPSTREAM_MODEL, UPSTREAM_PREFIX } from "./types.js";

export const THINKGATE_MODEL = "qwq-32b";
export const THINKGATE_KEY = "tg-bench-key-0123456789";

/**
 * The config both Thinkgate contenders run: one backend (the emulator), one model, one key
 * with no limits. Auth stays in the path (every request hashes its key, as in production);
 * limits do not, since Portkey and direct have none.
 */
export function thinkgateConfig(upstreamUrl: string): Record<string, unknown> {
  return {
    store: { type: "memory" },
    backends: {
      emulator: { type: "openai-compatible", baseUrl: `${upstreamUrl}${UPSTREAM_PREFIX}` },
    },
    models: {
      [THINKGATE_MODEL]: { targets: [{ backend: "emulator", model: UPSTREAM_MODEL }] },
    },
    keys: [{ key: THINKGATE_KEY, tenant: "bench" }],
  };
}

export const thinkgateHeaders = (): Record<string, string> => ({
  "content-type": "application/json",
  authorization: `Bearer ${THINKGATE_KEY}`,
});
