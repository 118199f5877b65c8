/** One JSON line per request on stdout: what log shippers expect from a container. */
export function stdoutLog(line: Record<string, unknown>): void {
  process.stdout.write(`${withTime(line)}\n`);
}

// The time goes first, as it always has; prepended to the line's own JSON rather than spread
// into a copy of it, which would build a second object per request only to serialize it.
function withTime(line: Record<string, unknown>): string {
  const time = new Date().toISOString();
  if ("time" in line) return JSON.stringify({ time, ...line });
  const json = JSON.stringify(line);
  return json === "{}" ? `{"time":"${time}"}` : `{"time":"${time}",${json.slice(1)}`;
}
