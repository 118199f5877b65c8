import {
  type Config,
  type GatewayMetrics,
  type TenancyHandle,
  tenancyFromConfig,
} from "@thinkgate/gateway";

/**
 * Where config.store becomes keys-in-a-store, limits, usage and the admin API. The admin API
 * answers only when an admin token is set: config `admin.token`, else THINKGATE_ADMIN_TOKEN.
 * Tenancy warnings (store outages, dropped usage) go to stderr as JSON; stdout is the request log.
 * With metrics, every store call is timed.
 */
export function buildTenancy(
  config: Config,
  env: Record<string, string | undefined>,
  metrics?: GatewayMetrics,
): Promise<TenancyHandle> {
  return tenancyFromConfig(config, {
    adminToken: env.THINKGATE_ADMIN_TOKEN,
    ...(metrics ? { wrapStore: (store) => metrics.instrumentStore(store) } : {}),
    log: (line) =>
      process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...line })}\n`),
  });
}
