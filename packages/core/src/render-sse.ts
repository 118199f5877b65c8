// Normalized events → SSE for the client. An error ends the stream with
// `data: {"error": …}` and no [DONE], which is what OpenAI's SDKs raise on.
import { ChunkRenderer, type RenderOptions } from "./chunk-renderer.js";
import type { StreamEvent } from "./types.js";

/** The synchronous core of renderSSE: one event → the SSE text to send ("" for none). */
export class SSERenderer {
  readonly #renderer: ChunkRenderer;
  #ended = false;

  constructor(options: RenderOptions) {
    this.#renderer = new ChunkRenderer(options);
  }

  render(ev: StreamEvent): string {
    if (this.#ended) return "";
    if (ev.type === "done") {
      this.#ended = true;
      return "data: [DONE]\n\n";
    }
    if (ev.type === "error") {
      this.#ended = true;
      return `data: ${JSON.stringify({ error: ev.error })}\n\n`;
    }
    let text = "";
    for (const chunk of this.#renderer.render(ev)) {
      // Same bytes as JSON.stringify(chunk), without re-serializing the identity every time.
      text +=
        chunk.choices.length === 1 && chunk.usage === undefined
          ? `data: ${this.#renderer.jsonPrefix()}${JSON.stringify(chunk.choices[0])}]}\n\n`
          : `data: ${JSON.stringify(chunk)}\n\n`;
    }
    return text;
  }
}

export function renderSSE(options: RenderOptions): TransformStream<StreamEvent, Uint8Array> {
  const sse = new SSERenderer(options);
  const encoder = new TextEncoder();
  return new TransformStream<StreamEvent, Uint8Array>({
    transform(ev, controller) {
      const text = sse.render(ev);
      if (text) controller.enqueue(encoder.encode(text));
    },
  });
}
