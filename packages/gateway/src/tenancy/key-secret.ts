// API keys: "tg-" + base64url of 32 random bytes. Only the SHA-256 hex of a key is ever stored;
// the key itself is shown once, when it is created.

import { sha256Hex } from "../auth/hash.js";

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

// One SHA-256 for the whole gateway: a key is hashed here (creation) and in auth/ (every
// request) and the two must agree byte for byte.
export { sha256Hex };

export interface NewKey {
  /** The secret: shown to the caller once, never stored. */
  key: string;
  hash: string;
  /** Public id, safe to show and log. */
  id: string;
}

export async function newKey(): Promise<NewKey> {
  const key = `tg-${base64url(randomBytes(32))}`;
  return { key, hash: await sha256Hex(key), id: `key_${base64url(randomBytes(12))}` };
}

/**
 * Compares two secrets in time that depends only on their hashes' length: both sides are
 * hashed first, so neither the length nor a prefix of the expected secret leaks.
 */
export async function secretsEqual(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256Hex(given), sha256Hex(expected)]);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
