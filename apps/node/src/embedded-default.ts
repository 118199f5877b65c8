import { type Config, type ConfigInput, parseConfig } from "@thinkgate/gateway";
import { demoBaseUrl } from "./demo-backend.js";

/**
 * What `pnpm start` serves without a config file: loopback only, memory store, no keys
 * required (nothing outside this machine can reach it). "demo" is always there; "qwq-32b"
 * goes to DashScope when DASHSCOPE_API_KEY is set (DASHSCOPE_REGION=mainland for the Beijing
 * endpoint; keys are region-bound).
 */
export function embeddedDefault(env: Record<string, string | undefined>): Config {
  const input: ConfigInput = {
    server: { host: "127.0.0.1", auth: "none" },
    store: { type: "memory" },
    backends: { demo: { type: "openai-compatible", baseUrl: demoBaseUrl } },
    models: { demo: { targets: [{ backend: "demo", model: "thinkgate-demo" }] } },
  };
  if (env.DASHSCOPE_API_KEY) {
    input.backends.dashscope = {
      type: "dashscope",
      region: env.DASHSCOPE_REGION === "mainland" ? "mainland" : "intl",
      apiKey: env.DASHSCOPE_API_KEY,
    };
    input.models["qwq-32b"] = {
      targets: [{ backend: "dashscope", model: "qwq-32b" }],
      aliases: ["qwq"],
    };
  }
  return parseConfig(input, env);
}
