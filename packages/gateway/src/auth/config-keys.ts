import type { KeyConfig } from "../config/schema.js";
import type { Principal } from "../store/types.js";
import { sha256Hex } from "./hash.js";

/**
 * The config file's keys, indexed by SHA-256 hash. Built once at start-up; requests are
 * matched by hashing the presented key, so a plain key never sits in a lookup table or a log.
 */
export async function indexConfigKeys(keys: KeyConfig[]): Promise<Map<string, Principal>> {
  const index = new Map<string, Principal>();
  for (const key of keys) {
    const { hash, id } = await configKeyIdentity(key);
    const principal: Principal = { keyId: id, tenant: key.tenant };
    if (key.models) principal.models = key.models;
    if (key.limits) principal.limits = key.limits;
    if (key.tags) principal.tags = key.tags;
    index.set(hash, principal);
  }
  return index;
}

/**
 * A config key's hash and id: `keyHash` as written (without its "sha256:" prefix) or the hash
 * of `key`, and its `id` or one derived from the hash. Authentication and tenancy's key
 * records (tenancy/config-keys.ts) both use this, so usage and keys line up.
 */
export async function configKeyIdentity(key: {
  id?: string | undefined;
  key?: string | undefined;
  keyHash?: string | undefined;
}): Promise<{ hash: string; id: string }> {
  const hash = key.keyHash ? key.keyHash.replace(/^sha256:/, "") : await sha256Hex(key.key ?? "");
  return { hash, id: key.id ?? `cfg_${hash.slice(0, 12)}` };
}
