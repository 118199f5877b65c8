import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/auth/hash.js";
import {
  cachedEntries,
  cachedSha256,
  presentedKeyHash,
} from "../../src/auth/presented-key-hash.js";

const key = (i: number) => `tg-${i.toString(36).padStart(43, "k")}`;

describe("presentedKeyHash", () => {
  it("on Node hashes synchronously, the same SHA-256 as Web Crypto, and caches nothing", async () => {
    const before = cachedEntries().length;
    for (let i = 0; i < 50; i++) {
      const hash = presentedKeyHash(key(i));
      expect(typeof hash).toBe("string");
      expect(hash).toBe(await sha256Hex(key(i)));
    }
    expect(cachedEntries()).toHaveLength(before);
  });

  it("the Web Crypto path's cache holds no key, and keeps a key in use however many others pass", async () => {
    const hot = "tg-the-key-in-use-by-a-real-client-0000000000";
    const hotHash = await sha256Hex(hot);
    expect(await cachedSha256(hot)).toBe(hotHash);
    for (let i = 0; i < 5000; i++) {
      expect(await cachedSha256(key(i))).toBe(await sha256Hex(key(i)));
      if (i % 100 === 0) expect(await cachedSha256(hot)).toBe(hotHash);
    }
    const entries = cachedEntries();
    expect(entries.length).toBeLessThanOrEqual(1024);
    expect(entries.some(([, hash]) => hash === hotHash)).toBe(true);
    const text = JSON.stringify(entries);
    expect(text).not.toContain(hot);
    expect(text).not.toContain("tg-");
  });
});
