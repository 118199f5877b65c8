import type { KeyRecord, Principal } from "../store/types.js";

/** A store key may be used now: neither revoked nor expired. */
export function isUsable(record: KeyRecord, now: number): boolean {
  if (record.revokedAt !== undefined && record.revokedAt <= now) return false;
  if (record.expiresAt !== undefined && record.expiresAt <= now) return false;
  return true;
}

export function toPrincipal(record: KeyRecord): Principal {
  const principal: Principal = { keyId: record.id, tenant: record.tenant };
  if (record.models) principal.models = record.models;
  if (record.limits) principal.limits = record.limits;
  if (record.tags) principal.tags = record.tags;
  return principal;
}
