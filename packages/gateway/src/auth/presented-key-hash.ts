import { sha256Hex } from "./hash.js";

type SyncSha256 = (text: string) => string;

// Node hashes a presented key synchronously in a few microseconds (node:crypto), so nothing is
// cached and no secret outlives its request. Elsewhere (Workers: no nodejs_compat, only Web
// Crypto's asynchronous digest) the SHA-256 of recently presented keys is cached, keyed not by
// the key but by a keyed 106-bit fast hash of it (seeds drawn per isolate), so the cache holds
// no secret either. Least recently used out first: a client spraying keys cannot push out a
// key that is in use.

const nodeSha256: SyncSha256 | undefined = (() => {
  const getBuiltin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } })
    .process?.getBuiltinModule;
  if (typeof getBuiltin !== "function") return undefined;
  const nodeCrypto = getBuiltin("node:crypto") as
    | { createHash?: (algorithm: string) => { update(s: string): { digest(e: "hex"): string } } }
    | undefined;
  const createHash = nodeCrypto?.createHash;
  if (typeof createHash !== "function") return undefined;
  return (text) => createHash("sha256").update(text).digest("hex");
})();

const cacheSize = 1024;
const cache = new Map<string, string>();
// Drawn on first use: Workers allow no random values at module scope.
let seeds: Uint32Array | undefined;

/** cyrb53: a fast 53-bit string hash; seeded, it is a different function per seed. */
function cyrb53(text: string, seed: number): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

function cacheId(key: string): string {
  seeds ??= crypto.getRandomValues(new Uint32Array(2));
  return `${cyrb53(key, seeds[0] as number)}.${cyrb53(key, seeds[1] as number)}`;
}

/**
 * The lowercase hex SHA-256 of a key a client presented: synchronous on Node, else from the
 * cache or Web Crypto.
 */
export function presentedKeyHash(key: string): string | Promise<string> {
  if (nodeSha256) return nodeSha256(key);
  return cachedSha256(key);
}

/** The Web Crypto path with its cache; exported so tests can run it on Node too. */
export async function cachedSha256(key: string): Promise<string> {
  const id = cacheId(key);
  const cached = cache.get(id);
  if (cached !== undefined) {
    cache.delete(id);
    cache.set(id, cached);
    return cached;
  }
  const hash = await sha256Hex(key);
  if (cache.size >= cacheSize) cache.delete(cache.keys().next().value as string);
  cache.set(id, hash);
  return hash;
}

/** What the Web Crypto path's cache holds (tests: it never holds a key). */
export function cachedEntries(): Array<[string, string]> {
  return [...cache];
}
