import { DIALECTS } from "@thinkgate/emulator";
import { type Config, type ConfigInput, parseConfig } from "@thinkgate/gateway";

/**
 * A config putting every emulated dialect behind the gateway: backend "emu-<dialect>" and
 * model "qwq-32b-<dialect>" each; "qwq-32b" itself is DashScope's. Used by `pnpm dev` and
 * by the integration tests.
 */
export function emulatedConfig(emulatorUrl: string, overrides: Partial<ConfigInput> = {}): Config {
  const backends: ConfigInput["backends"] = {};
  const models: ConfigInput["models"] = {};
  for (const dialect of DIALECTS) {
    const baseUrl = `${emulatorUrl}${dialect.prefix}`;
    backends[`emu-${dialect.name}`] =
      dialect.name === "dashscope"
        ? { type: "dashscope", baseUrl, apiKey: "sk-emulator-dashscope-key" }
        : {
            type: "openai-compatible",
            baseUrl,
            reasoning: dialect.name === "vllm-raw" ? "think-open" : "auto",
          };
    models[`qwq-32b-${dialect.name}`] = {
      targets: [
        {
          backend: `emu-${dialect.name}`,
          model: dialect.name === "dashscope" ? "qwq-32b" : "Qwen/QwQ-32B",
        },
      ],
    };
  }
  models["qwq-32b"] = { targets: [{ backend: "emu-dashscope", model: "qwq-32b" }] };
  return parseConfig(
    {
      server: { host: "127.0.0.1", auth: "none" },
      ...overrides,
      backends: { ...backends, ...overrides.backends },
      models: { ...models, ...overrides.models },
    },
    {},
  );
}
