import { ConfigError } from "../config/error.js";
import { ADMIN_TOKEN_MIN_LENGTH, type Config } from "../config/schema.js";
import { createStore } from "../store/index.js";
import type { Store } from "../store/types.js";
import { createTenancy, type TenancyHandle } from "./index.js";

/**
 * The config file's tenancy as one handle: `store` (with its outage policy), `keys` and
 * `admin.token`. What the Node and Workers entries both build; `adminToken` is their fallback
 * when the config names none (THINKGATE_ADMIN_TOKEN in the environment or a binding), held to
 * the same minimum length as `admin.token`.
 */
export async function tenancyFromConfig(
  config: Config,
  options: {
    adminToken?: string | undefined;
    log?: (line: Record<string, unknown>) => void;
    /** Wraps the store before anything uses it (metrics time every call). */
    wrapStore?: (store: Store) => Store;
  },
): Promise<TenancyHandle> {
  const fallback = options.adminToken || undefined;
  if (!config.admin.token && fallback !== undefined && fallback.length < ADMIN_TOKEN_MIN_LENGTH) {
    throw new ConfigError(
      `invalid config:\n  THINKGATE_ADMIN_TOKEN: expected an admin token of at least ${ADMIN_TOKEN_MIN_LENGTH} characters`,
    );
  }
  const store = await createStore(config.store);
  return createTenancy({
    store: options.wrapStore ? options.wrapStore(store) : store,
    adminToken: config.admin.token ?? fallback,
    configKeys: config.keys,
    onStoreDown: config.store.onUnavailable,
    ...(config.store.timeoutMs !== undefined ? { storeTimeoutMs: config.store.timeoutMs } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
}
