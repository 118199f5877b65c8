/**
 * What the Worker receives as `env`. THINKGATE_CONFIG is the config file as one JSON string (a
 * secret in production); every other string binding can be referenced from it as "${NAME}".
 */
export interface Bindings {
  THINKGATE_CONFIG?: string;
  [name: string]: unknown;
}

/** The string bindings (vars and secrets), the Worker's equivalent of process.env. */
export function stringBindings(env: Bindings): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (typeof value === "string") out[name] = value;
  }
  return out;
}
