import { z } from "zod";
import { keyTenantName, tenantName } from "../config/names.js";

// What the admin API accepts. Tenants and key ids become parts of store keys, so they are held
// to a plain alphabet; unknown fields are errors, not silently ignored.

export { tenantName };

const limits = z.strictObject({
  rpm: z.number().int().positive().optional(),
  tpm: z.number().int().positive().optional(),
  concurrency: z.number().int().positive().optional(),
});

const stringList = z.array(z.string().min(1).max(200)).max(1000);

/** Epoch ms or an ISO 8601 date-time. */
const instant = z.union([
  z.number().int().positive(),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
]);

export const createKeyBody = z.strictObject({
  tenant: keyTenantName,
  name: z.string().max(200).optional(),
  models: stringList.optional(),
  limits: limits.optional(),
  tags: stringList.optional(),
  expiresAt: instant.optional(),
});

/** null clears a field. */
export const updateKeyBody = z.strictObject({
  name: z.string().max(200).nullable().optional(),
  models: stringList.nullable().optional(),
  limits: limits.nullable().optional(),
  tags: stringList.nullable().optional(),
  expiresAt: instant.nullable().optional(),
});

const day = z.iso.date();

export const usageQuery = z.strictObject({
  from: day.optional(),
  to: day.optional(),
  tenant: tenantName.optional(),
  key: z.string().min(1).optional(),
});
