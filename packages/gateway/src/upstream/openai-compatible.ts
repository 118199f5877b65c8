import type { Adapter } from "./types.js";

/**
 * vLLM, SGLang, Ollama, llama.cpp and any other OpenAI-compatible server. No transform: their
 * extensions (chat_template_kwargs, top_k, min_p, …) pass through untouched, and what a given
 * server rejects is declared per backend in `params` (rename/drop), not hard-coded here.
 */
export const openaiCompatible: Adapter = {
  baseUrl(backend) {
    return backend.baseUrl ?? "";
  },
};
