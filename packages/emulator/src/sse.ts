import type { ServerResponse } from "node:http";
import { cutConnection } from "./cut.js";
import { waitUntil, writeBytes } from "./pacing.js";

export interface SSEPlan {
  events: Iterable<string>; // JSON text of each data event, [DONE] excluded
  errorEvent: string; // the dialect's in-band error, for `errorAt`
  hangAt?: number; // stall forever once this many data events were sent
  cutAt?: number; // destroy the socket once this many data events were sent
  errorAt?: number; // send errorEvent once this many data events were sent, then end
  keepAlive: boolean;
  crlf: boolean;
  splitUtf8: boolean;
  heartbeatMs?: number; // ": keep-alive" every so often while the stream is open
  firstByteDelayMs: number;
  chunkDelayMs: number; // data event i is due at firstByteDelayMs + i × chunkDelayMs
}

// Time between the two halves of a split character: long enough that a reader on the same
// event loop sees two reads, short enough not to matter.
const SPLIT_GAP_MS = 2;
const encoder = new TextEncoder();

/**
 * Streams the events as SSE. Writes bytes, not strings: the first frame that holds a multi-byte
 * character goes out in two writes split inside that character, as TCP may deliver it.
 */
export async function writeSSE(
  res: ServerResponse,
  plan: SSEPlan,
  closed: AbortSignal,
): Promise<void> {
  const eol = plan.crlf ? "\r\n" : "\n";
  const start = performance.now() + plan.firstByteDelayMs;
  let sent = 0;
  let splitPending = plan.splitUtf8;
  let midFrame = false; // a comment must never land between the halves of a split frame
  if (plan.heartbeatMs) {
    const comment = encoder.encode(`: keep-alive${eol}${eol}`);
    const beat = setInterval(() => {
      if (!midFrame && !res.writableNeedDrain && !res.writableEnded) res.write(comment);
    }, plan.heartbeatMs);
    const stop = () => clearInterval(beat);
    closed.addEventListener("abort", stop, { once: true });
    res.once("finish", stop);
  }

  // Sends one frame so that it is complete at `deadline`. A split frame's first half leaves a
  // little early when the pace allows, so pacing stays exact for benchmarks.
  const send = async (frame: string, deadline: number): Promise<boolean> => {
    const bytes = encoder.encode(frame);
    const lead = splitPending ? firstLeadByte(bytes) : -1;
    if (lead < 0) {
      return (await waitUntil(deadline, closed)) && writeBytes(res, bytes, closed);
    }
    splitPending = false;
    const gap =
      plan.chunkDelayMs > 0 ? Math.min(SPLIT_GAP_MS, plan.chunkDelayMs / 2) : SPLIT_GAP_MS;
    if (!(await waitUntil(deadline - gap, closed))) return false;
    midFrame = true;
    if (!(await writeBytes(res, bytes.subarray(0, lead + 1), closed))) return false;
    if (!(await waitUntil(Math.max(deadline, performance.now() + gap), closed))) return false;
    const ok = await writeBytes(res, bytes.subarray(lead + 1), closed);
    midFrame = false;
    return ok;
  };

  // Returns true when a fault ended the stream at this point.
  const fault = async (): Promise<boolean> => {
    if (sent === plan.cutAt) {
      cutConnection(res);
      return true;
    }
    if (sent === plan.hangAt) return true; // leave it open: the client has to give up
    if (sent === plan.errorAt) {
      const due = start + sent * plan.chunkDelayMs;
      if (await send(`data: ${plan.errorEvent}${eol}${eol}`, due)) res.end();
      return true;
    }
    return false;
  };

  for (const data of plan.events) {
    if (await fault()) return;
    const comment = plan.keepAlive && sent % 2 === 0 ? `: keep-alive${eol}${eol}` : "";
    const frame = `${comment}data: ${data}${eol}${eol}`;
    if (!(await send(frame, start + sent * plan.chunkDelayMs))) return;
    sent++;
  }
  // A fault counted past the last event still strikes before [DONE].
  const pending = [plan.cutAt, plan.hangAt, plan.errorAt].filter(
    (at) => at !== undefined && at >= sent,
  );
  if (pending.length > 0) sent = Math.min(...(pending as number[]));
  if (await fault()) return;
  if (await send(`data: [DONE]${eol}${eol}`, 0)) res.end();
}

/** Index of the first byte that starts a multi-byte UTF-8 sequence, or -1. */
function firstLeadByte(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! >= 0xc0) return i;
  return -1;
}
