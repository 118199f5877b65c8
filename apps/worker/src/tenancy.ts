import { type Config, type TenancyHandle, tenancyFromConfig } from "@thinkgate/gateway";

/**
 * config.store as keys-in-a-store, limits, usage and the admin API. On Workers the store that
 * holds across isolates and locations is `upstash` (REST over fetch); `memory` lives and dies
 * with one isolate, so its limits are per isolate. The admin API answers only when an admin
 * token is set: config `admin.token` (a "${NAME}" reference to a secret), else the
 * THINKGATE_ADMIN_TOKEN binding.
 */
export function buildTenancy(
  config: Config,
  env: Record<string, string>,
  log: (line: Record<string, unknown>) => void,
): Promise<TenancyHandle> {
  return tenancyFromConfig(config, { adminToken: env.THINKGATE_ADMIN_TOKEN, log });
}
