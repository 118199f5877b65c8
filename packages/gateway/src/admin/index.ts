import { Hono } from "hono";
import { ApiError, errors } from "../errors/api-error.js";
import type { Limiter } from "../limits/types.js";
import type { KeyRecord, Store } from "../store/types.js";
import { adminAuth } from "./admin-auth.js";
import { keyRoutes } from "./keys.js";
import { openApiDocument } from "./openapi.js";
import { adminUsage, ownUsage } from "./usage.js";

// The routes tenancy adds to the gateway (mounted at "/"): /admin/*, /v1/usage, /openapi.json.

export interface AdminRoutesDeps {
  store: Store;
  adminToken: string | undefined;
  configKeys: KeyRecord[];
  findKey(hash: string): Promise<KeyRecord | null>;
  forget(hash: string): void;
  /** /v1/usage reads are rate limited (admin/usage.ts). */
  limiter: Limiter;
  now: () => number;
  storeTimeoutMs: number;
}

export function createAdminRoutes(deps: AdminRoutesDeps): Hono {
  const app = new Hono();
  app.use("/admin/*", adminAuth(deps.adminToken));
  app.route("/admin/keys", keyRoutes(deps));
  const usageDeps = { ...deps, configKeyHashes: new Set(deps.configKeys.map((k) => k.hash)) };
  app.get("/admin/usage", adminUsage(usageDeps));
  app.get("/v1/usage", ownUsage(usageDeps));
  app.get("/openapi.json", (c) => c.json(openApiDocument));
  // Mounted into the gateway its error handler applies; on its own (tests, other hosts) this one.
  app.onError((err) => (err instanceof ApiError ? err : errors.internal()).toResponse());
  return app;
}
