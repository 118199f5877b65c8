const hex = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Lowercase hex SHA-256 (Web Crypto: the same on Node and Workers). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
  );
  let out = "";
  for (const byte of digest) out += hex[byte];
  return out;
}
