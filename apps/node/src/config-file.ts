import { readFile } from "node:fs/promises";
import { type Config, ConfigError, parseConfig, parseJsonText } from "@thinkgate/gateway";

/** Reads and validates the file named by THINKGATE_CONFIG. */
export async function loadConfigFile(
  path: string,
  env: Record<string, string | undefined>,
): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  return parseConfig(parseJsonText(text, `config file ${path}`), env);
}
