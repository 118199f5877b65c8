/**
 * Keys the admin API creates: "tg-" and 43 base64url characters (32 random bytes; see
 * tenancy/key-secret.ts). Only a key of this shape can be in the store, so nothing else is
 * looked up there. Config keys may be any string the operator wrote; they are matched in memory.
 */
const storeKey = /^tg-[A-Za-z0-9_-]{43}$/;

export function hasStoreKeyShape(key: string): boolean {
  return key.length === 46 && storeKey.test(key);
}
