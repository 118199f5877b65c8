/**
 * Retry-After in ms: delta-seconds or an HTTP date; null when absent or unreadable.
 * `now` is epoch ms, for the date form.
 */
export function retryAfterMs(header: string | null | undefined, now: number): number | null {
  if (header == null) return null;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // An HTTP date names its weekday and month; anything else (a negative number, say) is noise
  // that Date.parse would happily read as a year.
  if (!/^[A-Za-z]{3},/.test(text)) return null;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}
