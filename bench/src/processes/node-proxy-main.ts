// The floor contender: the least a gateway on Node can do, one extra process hop. node:http
// server, http.request upstream on a keep-alive Agent, bodies piped both ways, status and
// content-type (and content-length when there is one) passed on, nothing parsed.
// Usage: node-proxy-main.ts <port> <upstream origin, "http://127.0.0.1:PORT">
import { Agent, createServer, request } from "node:http";
import { exitWithParent } from "./exit-with-parent.js";

const [port, origin] = process.argv.slice(2);
if (!port || !origin) throw new Error("usage: node-proxy-main.ts <port> <upstream origin>");
const upstream = new URL(origin);
const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

const pick = (headers: Record<string, string | string[] | undefined>) => {
  const out: Record<string, string | string[]> = {};
  for (const name of ["content-type", "content-length"]) {
    const value = headers[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
};

const server = createServer((req, res) => {
  const up = request(
    {
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: pick(req.headers),
      agent,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, pick(answer.headers));
      answer.pipe(res);
    },
  );
  up.on("error", () => {
    if (!res.headersSent) res.writeHead(502).end();
    else res.destroy();
  });
  // The client left (end of a measured window, the memory rows' held streams): so does upstream.
  res.on("close", () => {
    if (!res.writableFinished) up.destroy();
  });
  req.pipe(up);
});
server.listen(Number(port), "127.0.0.1", () => console.log(`node proxy on port ${port}`));

const stop = () => process.exit(0);
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
exitWithParent(stop);
