// The embedded default's "demo" model: a canned QwQ-style answer streamed in DashScope's wire
// format, so `pnpm start` with no config and no cloud key still shows what the gateway does.
// It is not a model and says so in its own answer.

import type { UpstreamFetch } from "@thinkgate/gateway";

export const demoBaseUrl = "http://demo.thinkgate.invalid/v1";
const demoUrl = `${demoBaseUrl}/chat/completions`;

const reasoning =
  "This is Thinkgate's built-in demo backend, not a language model. A reasoning model such as " +
  "QwQ-32B would think here, step by step, before it answers; Thinkgate streams that thinking " +
  "as reasoning_content, separate from the answer.";
const answer =
  "Hello from Thinkgate's demo backend. To talk to QwQ-32B, set DASHSCOPE_API_KEY and use the " +
  'model "qwq-32b", or point THINKGATE_CONFIG at a config file with your own backends.';

/** Pace of the canned stream: slow enough to watch it arrive, fast enough not to bore. */
const chunkDelayMs = 15;

function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function demoStream(
  model: string,
  signal: AbortSignal | null | undefined,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const id = `chatcmpl-demo-${crypto.randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, finish_reason: finish }], usage: null })}\n\n`;
  const events = [
    chunk({ role: "assistant", content: null, reasoning_content: "" }),
    ...pieces(reasoning, 24).map((text) => chunk({ content: null, reasoning_content: text })),
    ...pieces(answer, 24).map((text) => chunk({ content: text, reasoning_content: null })),
    chunk({ content: "", reasoning_content: null }, "stop"),
    `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [], usage: { prompt_tokens: 12, completion_tokens: Math.ceil((reasoning.length + answer.length) / 4), total_tokens: 12 + Math.ceil((reasoning.length + answer.length) / 4) } })}\n\n`,
    "data: [DONE]\n\n",
  ];
  let i = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (signal?.aborted) return controller.error(signal.reason);
      const event = events[i++];
      if (event === undefined) return controller.close();
      return new Promise<void>((resolve) => {
        timer = setTimeout(
          () => {
            controller.enqueue(encoder.encode(event));
            resolve();
          },
          i === 1 ? 0 : chunkDelayMs,
        );
      });
    },
    cancel() {
      clearTimeout(timer);
    },
  });
}

/** An upstream fetch that answers the demo backend's URL itself and hands the rest to `next`. */
export function withDemoBackend(next: UpstreamFetch): UpstreamFetch {
  return async (url, init) => {
    if (url !== demoUrl) return next(url, init);
    let model = "thinkgate-demo";
    try {
      const body = JSON.parse(String(init?.body ?? "{}")) as { model?: unknown };
      if (typeof body.model === "string") model = body.model;
    } catch {
      // the gateway always sends JSON; a default model name is fine otherwise
    }
    return new Response(demoStream(model, init?.signal), {
      status: 200,
      headers: { "content-type": "text/event-stream; charset=utf-8" },
    });
  };
}
