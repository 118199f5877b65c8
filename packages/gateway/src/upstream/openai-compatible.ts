import type { Adapter, RequestBody } from "./types.js";

/**
 * vLLM, SGLang, Ollama, llama.cpp and any other OpenAI-compatible server. Their extensions
 * (chat_template_kwargs, top_k, min_p, …) pass through untouched, and what a given server
 * rejects is declared per backend in `params` (rename/drop), not hard-coded here.
 *
 * One thing is adapted: the output budget goes out as `max_tokens` alone, the one field every
 * such server honours, and `max_completion_tokens` is removed:
 * - vLLM and SGLang read `max_completion_tokens or max_tokens` (vLLM's serving code; SGLang's
 *   `ChatCompletionRequest.to_sampling_params`), and count reasoning tokens in it;
 * - Ollama's OpenAI layer knows only `max_tokens` (`openai/openai.go`: `MaxTokens` →
 *   `num_predict`) and would silently ignore `max_completion_tokens`;
 * - llama.cpp's server reads `n_predict`, else `max_tokens` (`params_from_json_cmpl`).
 * A backend that wants the other name says so with `params.rename`.
 */
export const openaiCompatible: Adapter = {
  baseUrl(backend) {
    return backend.baseUrl ?? "";
  },
  transform(input) {
    const budget = input.max_completion_tokens ?? input.max_tokens;
    if (budget === undefined) return input;
    const body: RequestBody = { ...input, max_tokens: budget };
    delete body.max_completion_tokens;
    return body;
  },
};
