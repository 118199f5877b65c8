import { DIALECTS } from "./dialects/index.js";
import { startEmulator } from "./server.js";

// `pnpm --filter @thinkgate/emulator start [--port N]`; PORT works too. Default 4010.
function port(): number {
  const flag = process.argv.indexOf("--port");
  const value = flag >= 0 ? process.argv[flag + 1] : process.env.PORT;
  const parsed = Number(value ?? 4010);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) {
    console.error(`invalid port: ${value}`);
    process.exit(2);
  }
  return parsed;
}

const host = process.env.HOST ?? "127.0.0.1";
const emulator = await startEmulator({
  port: port(),
  host,
  firstByteDelayMs: Number(process.env.EMU_FIRST_BYTE_DELAY_MS ?? 0),
  chunkDelayMs: Number(process.env.EMU_CHUNK_DELAY_MS ?? 0),
});
console.log(`thinkgate emulator listening on ${emulator.url}`);
for (const dialect of DIALECTS)
  console.log(`  ${dialect.name.padEnd(10)} ${emulator.url}${dialect.prefix}`);

const stop = () => {
  emulator.close().then(() => process.exit(0));
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
