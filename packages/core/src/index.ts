export { type AggregateResult, Aggregator } from "./aggregator.js";
export { ChunkRenderer, type RenderOptions } from "./chunk-renderer.js";
export { normalizeSSE, SSENormalizer } from "./normalize-sse.js";
export { Normalizer, type NormalizerOptions } from "./normalizer.js";
export { renderSSE, SSERenderer } from "./render-sse.js";
export { type SSEMessage, sseDecoder } from "./sse-decoder.js";
export { stripReasoningFromMessages } from "./strip-reasoning.js";
export type * from "./types.js";
