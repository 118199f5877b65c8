import { randomBytes, randomUUID } from "node:crypto";

export const hex = (bytes: number): string => randomBytes(bytes).toString("hex");
export const uuid = (): string => randomUUID();

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Random letters and digits, as llama.cpp's completion ids ("chatcmpl-Ms92NrkO…"). */
export function alphanumeric(length: number): string {
  const bytes = randomBytes(length);
  let out = "";
  for (const byte of bytes) out += ALPHANUMERIC[byte % ALPHANUMERIC.length];
  return out;
}
