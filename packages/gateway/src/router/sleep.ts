import { clientGone } from "../upstream/call.js";

/** Waits `ms`; rejects at once (as a 499) if the client leaves meanwhile. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(clientGone());
    const onAbort = () => {
      clearTimeout(timer);
      reject(clientGone());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
