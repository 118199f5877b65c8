import type { BackendConfig, Config } from "../config/schema.js";
import { dashscope } from "./dashscope.js";
import { openaiCompatible } from "./openai-compatible.js";
import { requestPolicy } from "./request-policy.js";
import type { Adapter, Upstream } from "./types.js";

const adapters: Record<BackendConfig["type"], Adapter> = {
  dashscope,
  "openai-compatible": openaiCompatible,
};

/** Resolves every configured backend into an Upstream, once, at start-up. */
export function buildUpstreams(config: Config): Map<string, Upstream> {
  const upstreams = new Map<string, Upstream>();
  for (const [name, backend] of Object.entries(config.backends)) {
    const adapter = adapters[backend.type];
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "text/event-stream",
    };
    if (backend.apiKey) headers.authorization = `Bearer ${backend.apiKey}`;
    Object.assign(headers, backend.headers);
    upstreams.set(name, {
      name,
      url: `${adapter.baseUrl(backend).replace(/\/+$/, "")}/chat/completions`,
      headers,
      reasoning: backend.reasoning,
      firstByteTimeoutMs: backend.firstByteTimeoutMs,
      idleTimeoutMs: backend.idleTimeoutMs,
      maxStreamMs: backend.maxStreamMs,
      maxOutputChars: backend.maxOutputChars,
      historyReasoning: backend.historyReasoning,
      params: backend.params,
      tags: backend.tags,
      continuation: backend.continuation,
      policy: requestPolicy(backend.policy),
      transform: adapter.transform?.bind(adapter),
    });
  }
  return upstreams;
}
