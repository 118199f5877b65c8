import type { MiddlewareHandler } from "hono";
import { bearerToken } from "../auth/bearer-token.js";
import { secretsEqual } from "../tenancy/key-secret.js";
import { adminErrors } from "./errors.js";

/** `Authorization: Bearer <admin token>`, compared in constant time. No token configured: off. */
export function adminAuth(adminToken: string | undefined): MiddlewareHandler {
  return async function adminAuth(c, next) {
    if (!adminToken) {
      throw adminErrors.unauthorized("The admin API is disabled: no admin token is configured.");
    }
    const given = bearerToken(c.req.header("authorization"));
    if (!given || !(await secretsEqual(given, adminToken))) {
      throw adminErrors.unauthorized("Incorrect or missing admin token.");
    }
    await next();
  };
}
