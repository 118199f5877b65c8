import type { KeyRecord } from "../store/types.js";
import { sha256Hex } from "./key-secret.js";

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
 * Config keys as records, with the same ids the gateway's authentication gives them
 * (auth/config-keys.ts), so usage recorded by the pipeline and read here line up.
 */
export async function configKeyRecords(keys: ConfigKey[], createdAt: number): Promise<KeyRecord[]> {
  return Promise.all(
    keys.map(async (k) => {
      const hash = k.keyHash ? k.keyHash.replace(/^sha256:/, "") : await sha256Hex(k.key ?? "");
      const record: KeyRecord = {
        id: k.id ?? `cfg_${hash.slice(0, 12)}`,
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
    }),
  );
}
