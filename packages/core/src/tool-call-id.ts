// Ids for tool calls Thinkgate extracts itself, in OpenAI's "call_…" shape. Web Crypto only, so
// this runs on Workers, Node and browsers alike.
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export function newToolCallId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  let id = "call_";
  for (const b of bytes) id += ALPHABET[b % ALPHABET.length];
  return id;
}
