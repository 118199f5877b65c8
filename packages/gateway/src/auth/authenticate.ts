import type { MiddlewareHandler } from "hono";
import { ANONYMOUS_TENANT as ANONYMOUS } from "../config/names.js";
import type { Tenancy } from "../deps.js";
import type { GatewayEnv } from "../env.js";
import { errors } from "../errors/api-error.js";
import type { Principal } from "../store/types.js";
import { bearerToken } from "./bearer-token.js";
import { isUsable, toPrincipal } from "./key-record.js";
import { hasStoreKeyShape } from "./key-shape.js";
import { presentedKeyHash } from "./presented-key-hash.js";

export interface AuthenticateOptions {
  /** Config keys by SHA-256 hash (indexConfigKeys). */
  configKeys: Promise<Map<string, Principal>>;
  tenancy?: Tenancy | undefined;
  /**
   * "none": a request without a key (or with the placeholder key "anonymous", for clients that
   * must send one) runs as the anonymous principal. Any other key must be valid in both modes.
   */
  mode: "keys" | "none";
  now: () => number;
}

/** Keyless requests under `auth: "none"`; "anonymous" is also their placeholder key. */
const anonymous: Principal = { keyId: ANONYMOUS, tenant: ANONYMOUS };

/**
 * Resolves `Authorization: Bearer <key>` to the request's principal: config keys in memory
 * first, then (only for keys shaped like the admin API's) the store. A key that is wrong,
 * revoked or expired is a 401 whatever the mode: it is never taken for no key at all.
 */
export function authenticate(options: AuthenticateOptions): MiddlewareHandler<GatewayEnv> {
  const incorrect =
    options.mode === "none"
      ? `Incorrect API key provided. This gateway needs no key: send none, or "${ANONYMOUS}" if your client must send one.`
      : "Incorrect API key provided.";
  return async function authenticate(c, next) {
    const key = bearerToken(c.req.header("authorization"));
    let principal: Principal | null;
    if (key === undefined) {
      throw errors.unauthorized("Malformed Authorization header: expected 'Bearer <key>'.");
    } else if (key === null || (options.mode === "none" && key === ANONYMOUS)) {
      if (options.mode === "keys")
        throw errors.unauthorized("Missing API key: send it as 'Authorization: Bearer <key>'.");
      principal = anonymous;
    } else {
      principal = await resolve(key, options);
      if (!principal) throw errors.unauthorized(incorrect);
    }
    c.set("principal", principal);
    const trace = c.get("trace");
    trace.tenant = principal.tenant;
    trace.keyId = principal.keyId;
    await next();
  };
}

async function resolve(key: string, options: AuthenticateOptions): Promise<Principal | null> {
  const configKeys = await options.configKeys;
  const storeShaped = hasStoreKeyShape(key);
  // Neither a config key nor one the store could hold: not worth a hash.
  if (configKeys.size === 0 && !storeShaped) return null;
  const hash = await presentedKeyHash(key);
  const fromConfig = configKeys.get(hash);
  if (fromConfig) return fromConfig;
  if (!storeShaped || !options.tenancy) return null;
  const record = await options.tenancy.findKey(hash);
  return record && isUsable(record, options.now()) ? toPrincipal(record) : null;
}
