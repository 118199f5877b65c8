/**
 * An upstream fetch that answers every chat request at once with a short, well-formed stream in
 * vLLM's shape (reasoning, answer, usage, [DONE]): whatever goes wrong in the fuzz test is the
 * gateway's doing, not the upstream's.
 */
export function quickUpstream(): typeof fetch {
  return (async (_input: RequestInfo | URL, init?: RequestInit) => {
    // The gateway must always send a body it could serialize.
    JSON.parse(String(init?.body));
    const chunk = (delta: unknown, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: "q1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const text = [
      chunk({ role: "assistant", reasoning: "thinking" }),
      chunk({ content: "answer" }),
      chunk({}, "stop"),
      `data: ${JSON.stringify({ id: "q1", object: "chat.completion.chunk", created: 1, model: "m", choices: [], usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 } })}\n\n`,
      "data: [DONE]\n\n",
    ].join("");
    return new Response(text, { headers: { "content-type": "text/event-stream" } });
  }) as typeof fetch;
}
