/** One JSON line per request on stdout: what log shippers expect from a container. */
export function stdoutLog(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...line })}\n`);
}
