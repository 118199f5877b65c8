export { createApp } from "./app.js";
export { isLoopbackAddress } from "./auth/loopback.js";
export type {
  BackendConfig,
  Config,
  ConfigInput,
  KeyConfig,
  ModelConfig,
  StoreConfig,
  TargetConfig,
} from "./config/index.js";
export { ConfigError, parseConfig, parseJsonText } from "./config/index.js";
export type { GatewayDeps, Tenancy, UsageEvent } from "./deps.js";
export type { GatewayEnv } from "./env.js";
export { ApiError } from "./errors/api-error.js";
export {
  createGatewayMetrics,
  type GatewayMetrics,
  type GatewayMetricsOptions,
} from "./observability/gateway-metrics.js";
export { exposition, MetricsRegistry } from "./observability/metrics-registry.js";
export { createStore, type Store } from "./store/index.js";
export { tenancyFromConfig } from "./tenancy/from-config.js";
export { createTenancy, type TenancyHandle, type TenancyOptions } from "./tenancy/index.js";
export type {
  ByteReader,
  UpstreamFetch,
  UpstreamInit,
  UpstreamResponse,
} from "./upstream/transport.js";
