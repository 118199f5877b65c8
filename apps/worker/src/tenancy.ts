import { type Config, createStore, createTenancy, type TenancyHandle } from "@thinkgate/gateway";

/**
 * config.store as keys-in-a-store, limits, usage and the admin API. On Workers the store that
 * holds across isolates and locations is `upstash` (REST over fetch); `memory` lives and dies
 * with one isolate, so its limits are per isolate. The admin API answers only when the
 * THINKGATE_ADMIN_TOKEN secret is set.
 */
export function buildTenancy(
  config: Config,
  env: Record<string, string>,
  log: (line: Record<string, unknown>) => void,
): Promise<TenancyHandle> {
  return createStore(config.store).then((store) =>
    createTenancy({
      store,
      adminToken: env.THINKGATE_ADMIN_TOKEN || undefined,
      configKeys: config.keys,
      log,
    }),
  );
}
