import { setTimeout as sleep } from "node:timers/promises";
import type { Child } from "./child.js";

/** Polls `url` until it answers with `expect` (any status when omitted), the child dies, or time runs out. */
export async function waitForHttp(
  url: string,
  child: Child,
  timeoutMs: number,
  expect?: number,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = "no answer";
  while (performance.now() < deadline) {
    if (child.hasExited()) {
      throw new Error(`${child.name} exited before it was ready:\n${child.logTail()}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (expect === undefined || response.status === expect) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(100);
  }
  throw new Error(
    `${child.name} not ready at ${url} after ${timeoutMs} ms (${last}):\n${child.logTail()}`,
  );
}

/**
 * A contender's start-up check: null once `url` answers 200, else the reason it did not, with
 * the child already stopped so a failed start leaves nothing running.
 */
export async function readyOrStopped(
  url: string,
  child: Child,
  timeoutMs: number,
): Promise<string | null> {
  try {
    await waitForHttp(url, child, timeoutMs, 200);
    return null;
  } catch (error) {
    await child.stop();
    return (error as Error).message;
  }
}
