import { createMemoryStore } from "./memory.js";
import type { Store } from "./types.js";
import { createUpstashStore } from "./upstash.js";

export type { Store } from "./types.js";

/** The config file's `store` section (design.md). */
export type StoreConfig =
  | { type: "memory" }
  | { type: "redis"; url: string }
  | { type: "upstash"; url: string; token: string };

export interface StoreOptions {
  /** Prefix of every Redis key (redis and upstash). Default "tg:". */
  prefix?: string;
}

/**
 * The store a config names. `redis` is imported only when asked for, so the Workers bundle
 * (which has no TCP Redis) never includes ioredis.
 */
export async function createStore(config: StoreConfig, options: StoreOptions = {}): Promise<Store> {
  const prefix = options.prefix !== undefined ? { prefix: options.prefix } : {};
  switch (config.type) {
    case "memory":
      return createMemoryStore();
    case "upstash":
      return createUpstashStore({ url: config.url, token: config.token, ...prefix });
    case "redis": {
      // A variable specifier: bundlers for Workers (esbuild, via wrangler) leave it unresolved,
      // so ioredis and its Node built-ins never enter a Worker bundle.
      const redisModule = "./redis.js";
      const { createRedisStore } = (await import(
        /* @vite-ignore */ redisModule
      )) as typeof import("./redis.js");
      return createRedisStore({ url: config.url, ...prefix });
    }
  }
}
