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
    const hash = key.keyHash ? key.keyHash.slice("sha256:".length) : await sha256Hex(key.key ?? "");
    const principal: Principal = {
      keyId: key.id ?? `cfg_${hash.slice(0, 12)}`,
      tenant: key.tenant,
    };
    if (key.models) principal.models = key.models;
    if (key.limits) principal.limits = key.limits;
    if (key.tags) principal.tags = key.tags;
    index.set(hash, principal);
  }
  return index;
}
