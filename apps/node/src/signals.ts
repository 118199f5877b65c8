import type { RunningServer } from "./server.js";

/** How long streams in flight may go on after SIGINT/SIGTERM (SHUTDOWN_GRACE_MS). */
const graceMs = Number(process.env.SHUTDOWN_GRACE_MS ?? 10_000);

/** Graceful shutdown on SIGINT/SIGTERM; a second signal exits at once. */
export function stopOnSignals(server: RunningServer, onStopped?: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`thinkgate: ${signal}, shutting down\n`);
    server
      .close(Number.isFinite(graceMs) && graceMs >= 0 ? graceMs : 10_000)
      .then(() => onStopped?.())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
