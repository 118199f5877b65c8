import { ConfigError } from "../config/error.js";
import type { KeyConfig } from "../config/schema.js";
import type { Principal } from "../store/types.js";
import { sha256Hex } from "./hash.js";

/**
 * The config file's keys, indexed by SHA-256 hash. Built once at start-up; requests are
 * matched by hashing the presented key, so a plain key never sits in a lookup table or a log.
 */
export async function indexConfigKeys(keys: KeyConfig[]): Promise<Map<string, Principal>> {
  const index = new Map<string, Principal>();
  const identities = await configKeyIdentities(keys);
  keys.forEach((key, i) => {
    const { hash, id } = identities[i] as { hash: string; id: string };
    const principal: Principal = { keyId: id, tenant: key.tenant };
    if (key.models) principal.models = key.models;
    if (key.limits) principal.limits = key.limits;
    if (key.tags) principal.tags = key.tags;
    index.set(hash, principal);
  });
  return index;
}

type KeyFields = {
  id?: string | undefined;
  key?: string | undefined;
  keyHash?: string | undefined;
};

/**
 * Every config key's hash and id, each checked to be used once: a `key` and a `keyHash` of the
 * same secret, or an `id` equal to one derived from a hash, would otherwise let the last entry
 * silently win (perhaps under another tenant). The config schema catches the plain repeats.
 */
export async function configKeyIdentities(
  keys: KeyFields[],
): Promise<Array<{ hash: string; id: string }>> {
  const identities = await Promise.all(keys.map(configKeyIdentity));
  const byHash = new Map<string, number>();
  const byId = new Map<string, number>();
  identities.forEach(({ hash, id }, i) => {
    const sameHash = byHash.get(hash);
    if (sameHash !== undefined) {
      throw new ConfigError(
        `invalid config:\n  keys[${i}]: expected each key once; keys[${sameHash}] is the same key`,
      );
    }
    const sameId = byId.get(id);
    if (sameId !== undefined) {
      throw new ConfigError(
        `invalid config:\n  keys[${i}].id: expected a unique id; keys[${sameId}] has "${id}" too`,
      );
    }
    byHash.set(hash, i);
    byId.set(id, i);
  });
  return identities;
}

/**
 * A config key's hash and id: `keyHash` as written (without its "sha256:" prefix) or the hash
 * of `key`, and its `id` or one derived from the hash. Authentication and tenancy's key
 * records (tenancy/config-keys.ts) both use this, so usage and keys line up.
 */
export async function configKeyIdentity(key: KeyFields): Promise<{ hash: string; id: string }> {
  const hash = key.keyHash ? key.keyHash.replace(/^sha256:/, "") : await sha256Hex(key.key ?? "");
  return { hash, id: key.id ?? `cfg_${hash.slice(0, 12)}` };
}
