/**
 * Makes `signal` abort `controller` with the same reason. The listener goes away when the
 * controller aborts, so a long-lived caller signal does not collect one per request.
 */
export function linkSignal(signal: AbortSignal | undefined, controller: AbortController): void {
  if (!signal) return;
  if (signal.aborted) {
    controller.abort(signal.reason);
    return;
  }
  const forward = () => controller.abort(signal.reason);
  signal.addEventListener("abort", forward, { once: true });
  controller.signal.addEventListener("abort", () => signal.removeEventListener("abort", forward), {
    once: true,
  });
}
