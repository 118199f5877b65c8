/**
 * The key in `Authorization: Bearer <key>`: null when the header is absent, undefined when it
 * is there but says something else (another scheme, no key, two words).
 */
export function bearerToken(header: string | undefined): string | null | undefined {
  if (header === undefined) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? undefined;
}
