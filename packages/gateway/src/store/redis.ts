import { Redis } from "ioredis";
import { createRedisBackedStore } from "./redis-backed.js";
import type { ScriptClient } from "./script-client.js";
import type { Store } from "./types.js";

// Redis over TCP, for the self-hosted Node gateway. Node only: the store factory imports this
// module lazily, so a Workers bundle never pulls in ioredis.

export interface RedisStoreOptions {
  url: string;
  prefix?: string;
  /** How long a command may wait for a reconnect before it fails. Default 1000 ms. */
  commandTimeoutMs?: number;
  /** How long start-up waits for the first connection. Default 2000 ms. */
  connectTimeoutMs?: number;
}

// Redis before 7.4 rejects the `allow-key-locking` shebang flag that @upstash/ratelimit's
// scripts carry (a locking hint only). On such a Redis we drop the flag and remember the SHA
// the library computed, so its EVALSHA calls keep finding the script.
const FLAG = /^(#!lua[^\n]*?)\s*flags=allow-key-locking[^\n]*/;

export class IoredisScriptClient implements ScriptClient {
  private readonly aliases = new Map<string, string>();

  constructor(private readonly redis: Redis) {}

  async eval(script: string, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await this.redis.eval(script, keys.length, ...keys, ...args);
    } catch (error) {
      if (!/shebang/i.test(String(error)) || !FLAG.test(script)) throw error;
      const stripped = script.replace(FLAG, "$1");
      const sha = (await this.redis.script("LOAD", stripped)) as string;
      this.aliases.set(await sha1Hex(script), sha);
      return this.redis.eval(stripped, keys.length, ...keys, ...args);
    }
  }

  evalsha(sha: string, keys: string[], args: (string | number)[]): Promise<unknown> {
    return this.redis.evalsha(this.aliases.get(sha) ?? sha, keys.length, ...keys, ...args);
  }
}

async function sha1Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Connects (waiting up to connectTimeoutMs; a Redis that is down then is an outage, not a crash). */
export async function createRedisStore(options: RedisStoreOptions): Promise<Store> {
  const redis = new Redis(options.url, {
    // Commands issued in the same tick (a request's limit checks) go out as one write.
    enableAutoPipelining: true,
    // Fail fast while Redis is down instead of queueing behind the reconnects: tenancy decides
    // what an outage means (tenancy/README.md, "Store outage").
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    retryStrategy: (attempt) => Math.min(50 * attempt, 1000),
  });
  // Without a listener ioredis reports connection errors as unhandled; callers see them per call.
  redis.on("error", () => {});
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, options.connectTimeoutMs ?? 2000);
    redis.once("ready", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return createRedisBackedStore({
    type: "redis",
    client: new IoredisScriptClient(redis),
    ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
    close: async () => {
      redis.disconnect();
    },
  });
}
