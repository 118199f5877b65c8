import { z } from "zod";

// Names that end up in store keys, headers and log fields: a plain alphabet, no prototype names.

/** Tenants and key ids become parts of store keys. */
export const tenantName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "expected 1-64 letters, digits, '.', '_' or '-'");

/** The tenant of keyless requests under `auth: "none"`: usage is recorded to it, no key is given it. */
export const ANONYMOUS_TENANT = "anonymous";

/** A tenant a key may be given. */
export const keyTenantName = tenantName.refine((t) => t !== ANONYMOUS_TENANT, {
  message: `"${ANONYMOUS_TENANT}" is reserved for requests without a key`,
});

/**
 * A config key's public id (logs, usage, the admin API). Ids are keys of plain objects in usage
 * reports, so Object.prototype's names ("constructor", "toString", …) are refused too.
 */
export const keyId = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/,
    "expected 1-64 letters, digits, '.', '_', ':' or '-'",
  )
  .refine((id) => !(id in Object.prototype), {
    message: "expected an id that is not a built-in name",
  });

/** Backends are named in the x-thinkgate-backend response header: visible ASCII only. */
export const backendName = z
  .string()
  .regex(
    /^[\x21-\x7E]{1,100}$/,
    "expected a backend name of 1-100 visible ASCII characters (it is sent in the x-thinkgate-backend header)",
  );
