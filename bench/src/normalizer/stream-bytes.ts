/**
 * A long vLLM-style SSE response (reasoning then answer, `delta.reasoning` and `delta.content`,
 * usage at the end), cut into network-sized reads: the normalizer's real input.
 */
export function upstreamStream(chunks: number, readBytes = 16 * 1024): Uint8Array[] {
  const head =
    '{"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1764000000,"model":"Qwen/QwQ-32B","choices":[{"index":0,"delta":';
  const lines: string[] = [
    `data: ${head}{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n`,
  ];
  for (let i = 0; i < chunks; i++) {
    const field = i < chunks / 2 ? "reasoning" : "content";
    lines.push(
      `data: ${head}{"${field}":"tok ${i % 10} "},"logprobs":null,"finish_reason":null}]}\n\n`,
    );
  }
  lines.push(`data: ${head}{},"logprobs":null,"finish_reason":"stop"}]}\n\n`);
  lines.push(
    `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1764000000,"model":"Qwen/QwQ-32B","choices":[],"usage":{"prompt_tokens":10,"total_tokens":${10 + chunks},"completion_tokens":${chunks}}}\n\n`,
  );
  lines.push("data: [DONE]\n\n");
  const bytes = new TextEncoder().encode(lines.join(""));
  const reads: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += readBytes)
    reads.push(bytes.subarray(at, at + readBytes));
  return reads;
}
