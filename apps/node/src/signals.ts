import type { RunningServer } from "./server.js";

/** Graceful shutdown on SIGINT/SIGTERM; a second signal exits at once. */
export function stopOnSignals(server: RunningServer, onStopped?: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`thinkgate: ${signal}, shutting down\n`);
    server
      .close()
      .then(() => onStopped?.())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
