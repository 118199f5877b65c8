import { ConfigError, formatPath } from "./error.js";

// "${NAME}", or "$${NAME}" (the escape, which stands for a literal "${NAME}").
const reference = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replaces every "${NAME}" inside the config's strings with the environment's value; "$${NAME}"
 * is left as a literal "${NAME}". A missing variable is an error naming both the field and the
 * variable: an empty API key would otherwise only surface as an upstream 401 much later.
 */
export function substituteEnv(
  value: unknown,
  env: Record<string, string | undefined>,
  path: PropertyKey[] = [],
): unknown {
  if (typeof value === "string") {
    if (!value.includes("${")) return value;
    return value.replace(reference, (_, escaped: string, name: string) => {
      if (escaped) return `\${${name}}`;
      const found = Object.hasOwn(env, name) ? env[name] : undefined;
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
    // fromEntries defines own properties: a "__proto__" key stays a key (and an unknown one).
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, substituteEnv(v, env, [...path, k])]),
    );
  }
  return value;
}
