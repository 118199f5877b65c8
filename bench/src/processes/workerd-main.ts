// Thinkgate's Worker in workerd, through wrangler's dev server (`unstable_startWorker`, the
// engine behind `wrangler dev`: same bundling, same Miniflare and workerd, the root
// wrangler.toml), with one difference: its devtools inspector is off. The CLI cannot turn it
// off, and with it on, wrangler 4.86 forwards every inspector message (a Network.dataReceived
// per streamed chunk) to its Node process as an HTTP request, which at 50 streams runs workerd
// out of file descriptors: that measures wrangler, not the Worker.
// Usage: workerd-main.ts <wrangler.toml> <port> <persist dir>; THINKGATE_CONFIG in the env.
import { createRequire } from "node:module";
import { join } from "node:path";
import { exitWithParent } from "./exit-with-parent.js";

const [toml, port, persist] = process.argv.slice(2);
if (!toml || !port || !persist)
  throw new Error("usage: workerd-main.ts <wrangler.toml> <port> <persist dir>");
const config = process.env.THINKGATE_CONFIG;
if (!config) throw new Error("THINKGATE_CONFIG is not set");

// wrangler as installed for apps/worker, the version its own scripts use.
const require = createRequire(join(import.meta.dirname, "../../../apps/worker/package.json"));
// The slice of wrangler's API used here (bench does not depend on wrangler itself).
interface DevWorker {
  ready: Promise<void>;
  url: Promise<URL>;
  dispose(): Promise<void>;
}
const wrangler = require("wrangler") as {
  unstable_startWorker(options: Record<string, unknown>): Promise<DevWorker>;
};

const worker = await wrangler.unstable_startWorker({
  config: toml,
  bindings: { THINKGATE_CONFIG: { type: "plain_text", value: config } },
  dev: {
    inspector: false,
    server: { hostname: "127.0.0.1", port: Number(port) },
    persist,
    logLevel: "warn",
    watch: false,
    liveReload: false,
  },
});
await worker.ready;
console.log(`workerd ready on ${String(await worker.url)}`);

const stop = () => {
  worker.dispose().finally(() => process.exit(0));
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
exitWithParent(stop);
