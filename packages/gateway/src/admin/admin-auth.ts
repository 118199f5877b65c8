import type { MiddlewareHandler } from "hono";
import { secretsEqual } from "../tenancy/key-secret.js";
import { bearerToken } from "./bearer.js";
import { adminErrors } from "./errors.js";

/** `Authorization: Bearer <admin token>`, compared in constant time. No token configured: off. */
export function adminAuth(adminToken: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (!adminToken) {
      throw adminErrors.unauthorized("The admin API is disabled: no admin token is configured.");
    }
    const given = bearerToken(c);
    if (!given || !(await secretsEqual(given, adminToken))) {
      throw adminErrors.unauthorized("Incorrect or missing admin token.");
    }
    await next();
  };
}
