/**
 * One JSON line per request on stdout: what log shippers expect from a container. Lines are
 * written after the turn of the event loop that produced them, together: never on a request's
 * own path, one write for many requests under load. Whatever is pending goes out when the
 * process exits.
 */
export function stdoutLog(line: Record<string, unknown>): void {
  pending += `${withTime(line)}\n`;
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
}

let pending = "";
let scheduled = false;

function flush(): void {
  scheduled = false;
  if (pending === "") return;
  const out = pending;
  pending = "";
  process.stdout.write(out);
}

process.on("exit", flush);

// The time goes first, as it always has; prepended to the line's own JSON rather than spread
// into a copy of it, which would build a second object per request only to serialize it.
function withTime(line: Record<string, unknown>): string {
  const time = new Date().toISOString();
  if ("time" in line) return JSON.stringify({ time, ...line });
  const json = JSON.stringify(line);
  return json === "{}" ? `{"time":"${time}"}` : `{"time":"${time}",${json.slice(1)}`;
}
