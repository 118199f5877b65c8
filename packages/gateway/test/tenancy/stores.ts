import {
  type RedisServer,
  startRedisServer,
  startUpstashLocal,
  type UpstashLocal,
} from "@thinkgate/upstash-local";
import { afterAll, beforeAll } from "vitest";
import { createMemoryStore } from "../../src/store/memory.js";
import { createRedisStore } from "../../src/store/redis.js";
import type { Store } from "../../src/store/types.js";
import { createUpstashStore } from "../../src/store/upstash.js";

// Every tenancy test runs once per store: memory, Redis over TCP (a real redis-server this file
// starts on a free port) and Upstash (@upstash/redis through upstash-local, onto that same
// redis-server). Each call to make() gets a fresh key prefix, so tests never see each other.

export type StoreType = Store["type"];
export const STORE_TYPES: StoreType[] = ["memory", "redis", "upstash"];

export interface StoreHarness {
  redis: RedisServer;
  upstash: UpstashLocal;
  /** A new store of this type; two calls with one `prefix` share state (two instances). */
  make(type: StoreType, prefix?: string): Promise<Store>;
  newPrefix(): string;
}

const TOKEN = "tenancy-test-token";

export function useStores(): StoreHarness {
  const opened: Store[] = [];
  let counter = 0;
  const harness = {
    newPrefix: () => `t${process.pid}-${Date.now()}-${counter++}:`,
    async make(type: StoreType, prefix = harness.newPrefix()): Promise<Store> {
      const store =
        type === "memory"
          ? createMemoryStore()
          : type === "redis"
            ? await createRedisStore({ url: harness.redis.url, prefix })
            : createUpstashStore({ url: harness.upstash.url, token: TOKEN, prefix, retries: 0 });
      opened.push(store);
      return store;
    },
  } as StoreHarness;

  beforeAll(async () => {
    harness.redis = await startRedisServer();
    harness.upstash = await startUpstashLocal({ redisUrl: harness.redis.url, token: TOKEN });
  });
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
    await harness.upstash?.close();
    await harness.redis?.stop();
  });
  return harness;
}
