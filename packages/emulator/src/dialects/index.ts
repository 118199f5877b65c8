import { dashscope } from "./dashscope.js";
import { llamacpp } from "./llamacpp.js";
import { ollama } from "./ollama.js";
import { sglang } from "./sglang.js";
import type { Dialect } from "./types.js";
import { vllmBoth, vllmCurrent, vllmRaw } from "./vllm.js";

export type { Dialect, Identity } from "./types.js";

/** The dialect table of docs/architecture.md: one prefix per emulated backend. */
export const DIALECTS: readonly Dialect[] = [
  dashscope,
  vllmCurrent,
  vllmBoth,
  vllmRaw,
  sglang,
  ollama,
  llamacpp,
];

/** The dialect whose `{prefix}/chat/completions` or `{prefix}/models` this path is. */
export function routeOf(path: string): { dialect: Dialect; endpoint: "chat" | "models" } | null {
  for (const dialect of DIALECTS) {
    if (path === `${dialect.prefix}/chat/completions`) return { dialect, endpoint: "chat" };
    if (path === `${dialect.prefix}/models`) return { dialect, endpoint: "models" };
  }
  return null;
}
