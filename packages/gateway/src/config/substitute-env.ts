import { ConfigError, formatPath } from "./error.js";

const reference = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replaces every "${NAME}" inside the config's strings with the environment's value. A missing
 * variable is an error naming both the field and the variable: an empty API key would otherwise
 * only surface as an upstream 401 much later.
 */
export function substituteEnv(
  value: unknown,
  env: Record<string, string | undefined>,
  path: PropertyKey[] = [],
): unknown {
  if (typeof value === "string") {
    if (!value.includes("${")) return value;
    return value.replace(reference, (_, name: string) => {
      const found = env[name];
      if (found === undefined || found === "") {
        throw new ConfigError(
          `invalid config:\n  ${formatPath(path)}: expected environment variable ${name} to be set`,
        );
      }
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => substituteEnv(item, env, [...path, i]));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteEnv(v, env, [...path, k]);
    return out;
  }
  return value;
}
