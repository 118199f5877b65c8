// Normalized events → SSE bytes for the client. An error ends the stream with
// `data: {"error": …}` and no [DONE], which is what OpenAI's SDKs raise on.
import { ChunkRenderer, type RenderOptions } from "./chunk-renderer.js";
import type { StreamEvent } from "./types.js";

export function renderSSE(options: RenderOptions): TransformStream<StreamEvent, Uint8Array> {
  const renderer = new ChunkRenderer(options);
  const encoder = new TextEncoder();
  let ended = false;
  return new TransformStream<StreamEvent, Uint8Array>({
    transform(ev, controller) {
      if (ended) return;
      let text = "";
      if (ev.type === "done") {
        ended = true;
        text = "data: [DONE]\n\n";
      } else if (ev.type === "error") {
        ended = true;
        text = `data: ${JSON.stringify({ error: ev.error })}\n\n`;
      } else {
        for (const chunk of renderer.render(ev)) text += `data: ${JSON.stringify(chunk)}\n\n`;
      }
      if (text) controller.enqueue(encoder.encode(text));
    },
  });
}
