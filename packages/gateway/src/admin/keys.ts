import { Hono } from "hono";
import { z } from "zod";
import type { KeyRecord, Store } from "../store/types.js";
import { storeCall } from "../store/unavailable.js";
import { newKey } from "../tenancy/key-secret.js";
import { adminErrors } from "./errors.js";
import { validBody, validQuery } from "./request-body.js";
import { createKeyBody, tenantName, updateKeyBody } from "./schemas.js";
import { keyView } from "./views.js";

// /admin/keys: create (the secret is in this one response only), list, read, change, revoke.

export interface KeyRoutesDeps {
  store: Store;
  /** Keys from the config file: listed and readable, not changeable here. */
  configKeys: KeyRecord[];
  /** A key changed here must not be served from this instance's cache. */
  forget(hash: string): void;
  now: () => number;
  storeTimeoutMs: number;
}

export function keyRoutes(deps: KeyRoutesDeps): Hono {
  const app = new Hono();
  const call = <T>(op: string, fn: () => Promise<T>) => storeCall(op, deps.storeTimeoutMs, fn);

  async function find(id: string): Promise<KeyRecord> {
    const fromConfig = deps.configKeys.find((k) => k.id === id);
    if (fromConfig) return fromConfig;
    const record = await call("getKeyById", () => deps.store.getKeyById(id));
    if (!record) throw adminErrors.keyNotFound(id);
    return record;
  }

  async function findStored(id: string): Promise<KeyRecord> {
    const record = await find(id);
    if (record.source === "config") throw adminErrors.configKey(id);
    return record;
  }

  app.post("/", async (c) => {
    const body = await validBody(c, createKeyBody);
    const { key, hash, id } = await newKey();
    const record: KeyRecord = {
      id,
      hash,
      tenant: body.tenant,
      createdAt: deps.now(),
      source: "store",
    };
    if (body.name !== undefined) record.name = body.name;
    if (body.models !== undefined) record.models = body.models;
    if (body.limits !== undefined) record.limits = body.limits;
    if (body.tags !== undefined) record.tags = body.tags;
    if (body.expiresAt !== undefined) record.expiresAt = body.expiresAt;
    await call("putKey", () => deps.store.putKey(record));
    // This instance may have just been told the store knows no such key: no longer true.
    deps.forget(hash);
    return c.json({ ...keyView(record), key }, 201);
  });

  app.get("/", async (c) => {
    const { tenant } = validQuery(c, z.strictObject({ tenant: tenantName.optional() }));
    const stored = await call("listKeys", () => deps.store.listKeys(tenant));
    const fromConfig = deps.configKeys.filter((k) => tenant === undefined || k.tenant === tenant);
    const data = [...fromConfig, ...stored.sort((a, b) => a.createdAt - b.createdAt)].map(keyView);
    return c.json({ object: "list", data });
  });

  app.get("/:id", async (c) => c.json(keyView(await find(c.req.param("id")))));

  // Both through store.updateKey: a PATCH only ever writes its own fields on the record as
  // stored at that moment, so a revocation that lands while it runs is never undone.
  app.patch("/:id", async (c) => {
    const id = c.req.param("id");
    const body = await validBody(c, updateKeyBody);
    await findStored(id);
    const record = await call("updateKey", () =>
      deps.store.updateKey(id, (stored) => {
        for (const field of ["name", "models", "limits", "tags", "expiresAt"] as const) {
          const value = body[field];
          if (value === undefined) continue;
          if (value === null) delete stored[field];
          else (stored as unknown as Record<string, unknown>)[field] = value;
        }
        return stored;
      }),
    );
    if (!record) throw adminErrors.keyNotFound(id);
    deps.forget(record.hash);
    return c.json(keyView(record));
  });

  app.delete("/:id", async (c) => {
    const id = c.req.param("id");
    await findStored(id);
    const revokedAt = deps.now();
    const record = await call("updateKey", () =>
      deps.store.updateKey(id, (stored) =>
        stored.revokedAt === undefined ? { ...stored, revokedAt } : null,
      ),
    );
    if (!record) throw adminErrors.keyNotFound(id);
    deps.forget(record.hash);
    return c.json(keyView(record));
  });

  return app;
}
