// The upstream, in a process of its own: the backend emulator. Pacing rides in each request's
// directive, so one emulator serves every scenario. Usage: upstream-main.ts <port>
import { startEmulator } from "@thinkgate/emulator";
import { exitWithParent } from "./exit-with-parent.js";

const emulator = await startEmulator({ port: Number(process.argv[2] ?? 0), host: "127.0.0.1" });
// The emulator remembers every request for tests; a benchmark sends hundreds of thousands.
setInterval(() => {
  emulator.requests.length = 0;
}, 1000).unref();
console.log(`emulator listening on ${emulator.url}`);

const stop = () => {
  emulator.close().then(() => process.exit(0));
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
exitWithParent(stop);
