import { type Config, ConfigError, type Tenancy } from "@thinkgate/gateway";

/**
 * The seam where config.store becomes keys-in-a-store, limits and usage (packages/gateway's
 * tenancy). Until that is wired, only the memory store is accepted, and it means config keys
 * without limits; a redis or upstash store fails start-up rather than silently running
 * without the limits it was configured for.
 */
export async function buildTenancy(config: Config): Promise<Tenancy | undefined> {
  if (config.store.type === "memory") return undefined;
  throw new ConfigError(
    `store.type: "${config.store.type}" is not supported by this build yet; use "memory"`,
  );
}
