/**
 * Ends this child process when the harness that started it is gone (killed, or dead of a
 * closed pipe): children run in process groups of their own, so nothing else would stop them.
 */
export function exitWithParent(stop: () => void): void {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop(); // re-parented: the harness has exited
  }, 1000).unref();
}
