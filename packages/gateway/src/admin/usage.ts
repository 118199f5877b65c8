import type { Context } from "hono";
import { bearerToken } from "../auth/bearer-token.js";
import { isUsable } from "../auth/key-record.js";
import { hasStoreKeyShape } from "../auth/key-shape.js";
import { presentedKeyHash } from "../auth/presented-key-hash.js";
import { errors } from "../errors/api-error.js";
import type { Limiter } from "../limits/types.js";
import type { KeyRecord, Store } from "../store/types.js";
import { storeCall } from "../store/unavailable.js";
import { daysBetween, utcDay } from "../store/usage-counts.js";
import { adminErrors } from "./errors.js";
import { validQuery } from "./request-body.js";
import { usageQuery } from "./schemas.js";
import { usageView } from "./views.js";

// Usage by tenant and key per UTC day: for the admin (any tenant) and for a key (its own tenant,
// nothing else).

const MAX_DAYS = 366;

/**
 * Reads of /v1/usage a key may make per minute: each can cost up to 366 store reads. A limit of
 * its own (counted apart from the key's rpm), so reading usage never takes a completion's turn.
 */
export const USAGE_READS_PER_MINUTE = 60;

export interface UsageRoutesDeps {
  store: Store;
  /** Finds a key by the hash of its secret: config keys first, then the store. */
  findKey(hash: string): Promise<KeyRecord | null>;
  /** Config keys by hash: a key of another shape is only ever looked for here. */
  configKeyHashes: ReadonlySet<string>;
  limiter: Limiter;
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
    const secret = bearerToken(c.req.header("authorization"));
    if (!secret)
      throw errors.unauthorized("Missing API key: send it as 'Authorization: Bearer <key>'.");
    const record = await findUsable(deps, secret);
    if (!record) throw errors.unauthorized("Incorrect API key provided.");
    const query = validQuery(c, usageQuery);
    // The tenant is the key's; asking for another one is refused, not quietly ignored.
    if (query.tenant !== undefined && query.tenant !== record.tenant)
      throw adminErrors.otherTenant();
    const { from, to } = range(query, deps.now());
    const admitted = await deps.limiter.admit({
      principal: {
        keyId: `${record.id}/usage`,
        tenant: record.tenant,
        limits: { rpm: USAGE_READS_PER_MINUTE },
      },
      estimatedTokens: 0,
      requestId: `usage_${crypto.randomUUID()}`,
    });
    if (!admitted.ok) {
      throw errors.rateLimited(admitted.message, admitted.retryAfterSeconds, admitted.headers);
    }
    await admitted.lease.settle(null);
    const days = await storeCall("readUsage", deps.storeTimeoutMs, () =>
      deps.store.readUsage(record.tenant, from, to),
    );
    return c.json(usageView(record.tenant, from, to, days, query.key));
  };
}

/** As authentication does it: the store is asked only about keys shaped like its own. */
async function findUsable(deps: UsageRoutesDeps, secret: string): Promise<KeyRecord | null> {
  const storeShaped = hasStoreKeyShape(secret);
  if (!storeShaped && deps.configKeyHashes.size === 0) return null;
  const hash = await presentedKeyHash(secret);
  if (!storeShaped && !deps.configKeyHashes.has(hash)) return null;
  const record = await deps.findKey(hash);
  return record && isUsable(record, deps.now()) ? record : null;
}
