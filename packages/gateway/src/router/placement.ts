/**
 * Tenant placement: a key restricted to backend tags (say `["local"]`) may only be served by
 * backends carrying one of them, so its prompts never leave its own hardware. No tags on the
 * key: any backend.
 */
export function placementAllows(
  keyTags: readonly string[] | undefined,
  backendTags: readonly string[],
): boolean {
  if (!keyTags || keyTags.length === 0) return true;
  return backendTags.some((tag) => keyTags.includes(tag));
}
