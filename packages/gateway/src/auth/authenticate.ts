import type { MiddlewareHandler } from "hono";
import type { Tenancy } from "../deps.js";
import type { GatewayEnv } from "../env.js";
import { errors } from "../errors/api-error.js";
import type { KeyRecord, Principal } from "../store/types.js";
import { sha256Hex } from "./hash.js";

export interface AuthenticateOptions {
  configKeys: Promise<Map<string, Principal>>;
  tenancy?: Tenancy | undefined;
  /** "none": requests without a (known) key run as the anonymous principal. */
  mode: "keys" | "none";
  now: () => number;
}

const anonymous: Principal = { keyId: "anonymous", tenant: "anonymous" };

/** Resolves `Authorization: Bearer <key>` to a Principal: config keys first, then the store. */
export function authenticate(options: AuthenticateOptions): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const key = bearerToken(c.req.header("authorization"));
    let principal: Principal | null = null;
    if (key) principal = await resolve(key, options);
    if (!principal) {
      if (options.mode === "none") principal = anonymous;
      else if (!key)
        throw errors.unauthorized("Missing API key: send it as 'Authorization: Bearer <key>'.");
      else throw errors.unauthorized("Incorrect API key provided.");
    }
    c.set("principal", principal);
    const trace = c.get("trace");
    trace.tenant = principal.tenant;
    trace.keyId = principal.keyId;
    await next();
  };
}

function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

// Keys presented recently and their SHA-256: Web Crypto's digest is asynchronous (on Node a
// round trip through the thread pool), and a client sends the same key request after request.
// Bounded, oldest out first, so a client spraying made-up keys only churns it. It holds keys
// exactly as the request path already does, only for longer: never logged, never serialised.
const hashCacheSize = 1024;
const hashes = new Map<string, string>();

async function hashOf(key: string): Promise<string> {
  const cached = hashes.get(key);
  if (cached !== undefined) return cached;
  const hash = await sha256Hex(key);
  if (hashes.size >= hashCacheSize) hashes.delete(hashes.keys().next().value as string);
  hashes.set(key, hash);
  return hash;
}

async function resolve(key: string, options: AuthenticateOptions): Promise<Principal | null> {
  const hash = await hashOf(key);
  const fromConfig = (await options.configKeys).get(hash);
  if (fromConfig) return fromConfig;
  if (!options.tenancy) return null;
  const record = await options.tenancy.findKey(hash);
  return record && isUsable(record, options.now()) ? toPrincipal(record) : null;
}

function isUsable(record: KeyRecord, now: number): boolean {
  if (record.revokedAt !== undefined && record.revokedAt <= now) return false;
  if (record.expiresAt !== undefined && record.expiresAt <= now) return false;
  return true;
}

function toPrincipal(record: KeyRecord): Principal {
  const principal: Principal = { keyId: record.id, tenant: record.tenant };
  if (record.models) principal.models = record.models;
  if (record.limits) principal.limits = record.limits;
  if (record.tags) principal.tags = record.tags;
  return principal;
}
