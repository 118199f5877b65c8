import { emuPrompt } from "@thinkgate/emulator";
import type { Schedule } from "../load/jobs.js";

/**
 * A chat completion request whose answer the emulator makes exactly `tokens` text chunks long
 * (half reasoning, half answer, four ASCII characters each: no multi-byte character, so no
 * frame is split across writes), paced as `schedule` says.
 */
export function chatBody(
  model: string,
  stream: boolean,
  tokens: number,
  schedule?: Schedule,
): string {
  const perPart = Math.max(1, Math.round(tokens / 2));
  const text = "tok ".repeat(perPart);
  const spec = {
    reasoning: text,
    content: text,
    chunks: perPart,
    firstByteDelayMs: schedule?.firstByteDelayMs ?? 0,
    chunkDelayMs: schedule?.chunkDelayMs ?? 0,
  };
  return JSON.stringify({ model, stream, messages: [{ role: "user", content: emuPrompt(spec) }] });
}

/** A stream the emulator holds open after its first token: memory per open stream. */
export function heldStreamBody(model: string): string {
  const spec = { reasoning: "tok tok ", content: "tok ", chunks: 2, hang: 2 };
  return JSON.stringify({
    model,
    stream: true,
    messages: [{ role: "user", content: emuPrompt(spec) }],
  });
}
