import type { Context } from "hono";
import { errors } from "../errors/api-error.js";
import type { KeyRecord, Store } from "../store/types.js";
import { storeCall } from "../store/unavailable.js";
import { daysBetween, utcDay } from "../store/usage-counts.js";
import { sha256Hex } from "../tenancy/key-secret.js";
import { bearerToken } from "./bearer.js";
import { adminErrors } from "./errors.js";
import { validQuery } from "./request-body.js";
import { usageQuery } from "./schemas.js";
import { usageView } from "./views.js";

// Usage by tenant and key per UTC day: for the admin (any tenant) and for a key (its own tenant,
// nothing else).

const MAX_DAYS = 366;

export interface UsageRoutesDeps {
  store: Store;
  /** Finds a key by the hash of its secret: config keys first, then the store. */
  findKey(hash: string): Promise<KeyRecord | null>;
  now: () => number;
  storeTimeoutMs: number;
}

function range(query: { from?: string | undefined; to?: string | undefined }, now: number) {
  const to = query.to ?? utcDay(now);
  const from = query.from ?? to;
  if (from > to) throw errors.badRequest("'from' must not be after 'to'.", "from");
  if (daysBetween(from, to, MAX_DAYS + 1).length > MAX_DAYS) {
    throw errors.badRequest(`At most ${MAX_DAYS} days at once.`, "from");
  }
  return { from, to };
}

export function adminUsage(deps: UsageRoutesDeps) {
  return async (c: Context) => {
    const query = validQuery(c, usageQuery);
    if (!query.tenant) throw errors.badRequest("'tenant' is required.", "tenant");
    const tenant = query.tenant;
    const { from, to } = range(query, deps.now());
    const days = await storeCall("readUsage", deps.storeTimeoutMs, () =>
      deps.store.readUsage(tenant, from, to),
    );
    return c.json(usageView(tenant, from, to, days, query.key));
  };
}

export function ownUsage(deps: UsageRoutesDeps) {
  return async (c: Context) => {
    const secret = bearerToken(c);
    if (!secret)
      throw errors.unauthorized("Missing API key: send it as 'Authorization: Bearer <key>'.");
    const record = await deps.findKey(await sha256Hex(secret));
    const now = deps.now();
    const usable =
      record &&
      (record.revokedAt === undefined || record.revokedAt > now) &&
      (record.expiresAt === undefined || record.expiresAt > now);
    if (!usable) throw errors.unauthorized("Incorrect API key provided.");
    const query = validQuery(c, usageQuery);
    // The tenant is the key's; asking for another one is refused, not quietly ignored.
    if (query.tenant !== undefined && query.tenant !== record.tenant)
      throw adminErrors.otherTenant();
    const { from, to } = range(query, now);
    const days = await storeCall("readUsage", deps.storeTimeoutMs, () =>
      deps.store.readUsage(record.tenant, from, to),
    );
    return c.json(usageView(record.tenant, from, to, days, query.key));
  };
}
