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
  firstByteDelayMs: number;
  chunkDelayMs: number;
}

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
  let splitDone = false;

  const send = async (frame: string): Promise<boolean> => {
    const bytes = encoder.encode(frame);
    const lead = splitDone ? -1 : bytes.findIndex((b) => b >= 0xc0);
    if (lead < 0) return writeBytes(res, bytes, closed);
    splitDone = true;
    if (!(await writeBytes(res, bytes.subarray(0, lead + 1), closed))) return false;
    // A moment between the halves, so they travel as separate TCP segments too.
    if (!(await waitUntil(performance.now() + 2, closed))) return false;
    return writeBytes(res, bytes.subarray(lead + 1), closed);
  };

  // Returns true when a fault ended the stream at this point.
  const fault = async (): Promise<boolean> => {
    if (sent === plan.cutAt) {
      cutConnection(res);
      return true;
    }
    if (sent === plan.hangAt) return true; // leave it open: the client has to give up
    if (sent === plan.errorAt) {
      if (await send(`data: ${plan.errorEvent}${eol}${eol}`)) res.end();
      return true;
    }
    return false;
  };

  for (const data of plan.events) {
    if (await fault()) return;
    if (!(await waitUntil(start + sent * plan.chunkDelayMs, closed))) return;
    const comment = plan.keepAlive && sent % 2 === 0 ? `: keep-alive${eol}${eol}` : "";
    if (!(await send(`${comment}data: ${data}${eol}${eol}`))) return;
    sent++;
  }
  // A fault counted past the last event still strikes before [DONE].
  const pending = [plan.cutAt, plan.hangAt, plan.errorAt].filter(
    (at) => at !== undefined && at >= sent,
  );
  if (pending.length > 0) sent = Math.min(...(pending as number[]));
  if (await fault()) return;
  if (await send(`data: [DONE]${eol}${eol}`)) res.end();
}
