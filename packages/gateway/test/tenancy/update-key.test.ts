import { describe, expect, it } from "vitest";
import type { KeyRecord } from "../../src/store/types.js";
import { STORE_TYPES, useStores } from "./stores.js";

// store.updateKey, the one way the admin API changes a stored key, held to one table.

const stores = useStores();

const record: KeyRecord = {
  id: "key_u",
  hash: "d".repeat(64),
  tenant: "acme",
  name: "before",
  createdAt: 1,
  source: "store",
};

describe.each(STORE_TYPES)("updateKey on the %s store", (type) => {
  it("changes the stored record, keeps its id and hash, and leaves it alone when told to", async () => {
    const store = await stores.make(type);
    expect(await store.updateKey("key_missing", (r) => r)).toBeNull();
    await store.putKey(record);
    const renamed = await store.updateKey("key_u", (r) => ({
      ...r,
      name: "after",
      id: "key_other",
      hash: "e".repeat(64),
    }));
    expect(renamed).toMatchObject({ id: "key_u", hash: record.hash, name: "after" });
    expect(await store.getKey(record.hash)).toEqual(renamed);
    expect(await store.getKeyById("key_u")).toEqual(renamed);
    expect(await store.getKey("e".repeat(64))).toBeNull();
    const untouched = await store.updateKey("key_u", () => null);
    expect(untouched).toEqual(renamed);
  });

  it("two instances changing one key at once both land: neither write is lost", async () => {
    const prefix = stores.newPrefix();
    const one = await stores.make(type, prefix);
    const two = type === "memory" ? one : await stores.make(type, prefix);
    await one.putKey(record);
    for (let round = 0; round < 10; round++) {
      await Promise.all([
        one.updateKey("key_u", (r) => ({ ...r, name: `name ${round}` })),
        two.updateKey("key_u", (r) => ({ ...r, limits: { rpm: round + 1 } })),
        one.updateKey("key_u", (r) => ({ ...r, tags: [`t${round}`] })),
      ]);
      expect(await two.getKeyById("key_u")).toMatchObject({
        name: `name ${round}`,
        limits: { rpm: round + 1 },
        tags: [`t${round}`],
      });
    }
  });
});
