import type { ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Waits until an absolute time on the monotonic clock. Each chunk aims at its own deadline
 * (start + i * delay) rather than "delay after the previous one", so lateness never accumulates,
 * and a timer (not a loop) does the waiting. Resolves false when the response closed meanwhile.
 */
export async function waitUntil(deadline: number, closed: AbortSignal): Promise<boolean> {
  const ms = deadline - performance.now();
  if (ms >= 1) {
    try {
      await sleep(ms, undefined, { signal: closed });
    } catch {
      return false;
    }
  }
  return !closed.aborted;
}

/** Writes bytes, honouring backpressure; false when the response closed first. */
export async function writeBytes(
  res: ServerResponse,
  bytes: Uint8Array,
  closed: AbortSignal,
): Promise<boolean> {
  if (closed.aborted) return false;
  if (res.write(bytes)) return true;
  return new Promise<boolean>((resolve) => {
    const done = (ok: boolean) => {
      res.off("drain", onDrain);
      closed.removeEventListener("abort", onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    res.on("drain", onDrain);
    closed.addEventListener("abort", onClose);
  });
}
