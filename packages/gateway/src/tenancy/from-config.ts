import type { Config } from "../config/schema.js";
import { createStore } from "../store/index.js";
import type { Store } from "../store/types.js";
import { createTenancy, type TenancyHandle } from "./index.js";

/**
 * The config file's tenancy as one handle: `store` (with its outage policy), `keys` and
 * `admin.token`. What the Node and Workers entries both build; `adminToken` is their fallback
 * when the config names none (THINKGATE_ADMIN_TOKEN in the environment or a binding).
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
  const store = await createStore(config.store);
  return createTenancy({
    store: options.wrapStore ? options.wrapStore(store) : store,
    adminToken: config.admin.token ?? (options.adminToken || undefined),
    configKeys: config.keys,
    onStoreDown: config.store.onUnavailable,
    ...(options.log ? { log: options.log } : {}),
  });
}
