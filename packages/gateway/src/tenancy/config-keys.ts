import { configKeyIdentities } from "../auth/config-keys.js";
import type { KeyRecord } from "../store/types.js";

/** A key as the config file writes it (design.md, `keys[]`). */
export interface ConfigKey {
  id?: string | undefined;
  key?: string | undefined;
  keyHash?: string | undefined;
  tenant: string;
  name?: string | undefined;
  models?: string[] | undefined;
  limits?: KeyRecord["limits"];
  tags?: string[] | undefined;
}

/**
 * Config keys as records, with the same hashes and ids the gateway's authentication gives them
 * (configKeyIdentities), so usage recorded by the pipeline and read here line up.
 */
export async function configKeyRecords(keys: ConfigKey[], createdAt: number): Promise<KeyRecord[]> {
  const identities = await configKeyIdentities(keys);
  return keys.map((k, i) => {
    const { hash, id } = identities[i] as { hash: string; id: string };
    const record: KeyRecord = {
      id,
      hash,
      tenant: k.tenant,
      createdAt,
      source: "config",
    };
    if (k.name !== undefined) record.name = k.name;
    if (k.models) record.models = k.models;
    if (k.limits) record.limits = k.limits;
    if (k.tags) record.tags = k.tags;
    return record;
  });
}
