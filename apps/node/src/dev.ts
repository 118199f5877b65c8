import { startEmulator } from "@thinkgate/emulator";
import { emulatedConfig } from "./emulated-config.js";
import { stdoutLog } from "./log.js";
import { startServer } from "./server.js";
import { stopOnSignals } from "./signals.js";
import { buildTenancy } from "./tenancy.js";

// `pnpm dev`: the backend emulator and the gateway in front of it, every dialect a model.
// No GPU, no cloud key: QwQ-style reasoning streams in seconds.
const emulator = await startEmulator({ chunkDelayMs: 40 });
const config = emulatedConfig(emulator.url);
const tenancy = await buildTenancy(config, process.env);
const server = await startServer({
  config,
  tenancy,
  port: Number(process.env.PORT ?? 8787),
  log: stdoutLog,
});
stopOnSignals(server, () => Promise.all([tenancy.close(), emulator.close()]).then(() => {}));

process.stderr.write(
  [
    `thinkgate (dev) listening on ${server.url}, in front of the backend emulator at ${emulator.url}`,
    `  models: ${Object.keys(config.models).join(", ")}`,
    "  watch QwQ-style reasoning stream (reasoning_content first, then content):",
    `  curl -N ${server.url}/v1/chat/completions -H 'content-type: application/json' \\`,
    `    -d '{"model":"qwq-32b","stream":true,"messages":[{"role":"user","content":"9.9 or 9.11?"}]}'`,
    "",
  ].join("\n"),
);
