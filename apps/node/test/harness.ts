import { type Emulator, type EmuSpec, emuPrompt, startEmulator } from "@thinkgate/emulator";
import type { ConfigInput } from "@thinkgate/gateway";
import OpenAI from "openai";
import { emulatedConfig } from "../src/emulated-config.js";
import { type RunningServer, startServer } from "../src/server.js";

export interface Harness {
  emulator: Emulator;
  server: RunningServer;
  client: OpenAI;
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** The real thing: the emulator on a free port, the Node gateway in front of it, the official client. */
export async function startHarness(
  overrides: Partial<ConfigInput> | ((emulatorUrl: string) => Partial<ConfigInput>) = {},
  apiKey = "anonymous",
): Promise<Harness> {
  const emulator = await startEmulator();
  const logs: Array<Record<string, unknown>> = [];
  const extra = typeof overrides === "function" ? overrides(emulator.url) : overrides;
  const server = await startServer({
    config: emulatedConfig(emulator.url, extra),
    port: 0,
    log: (l) => logs.push(l),
  });
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey, maxRetries: 0 });
  return {
    emulator,
    server,
    client,
    logs,
    close: async () => {
      await server.close();
      await emulator.close();
    },
  };
}

export function ask(spec: EmuSpec = {}) {
  return [{ role: "user" as const, content: emuPrompt(spec) }];
}

/** The extension fields the official client's types do not know. */
export interface ReasoningDelta {
  content?: string | null;
  reasoning_content?: string | null;
  reasoning?: string | null;
}
