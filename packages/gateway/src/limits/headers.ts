// OpenAI's rate-limit headers. The reset values use OpenAI's duration format ("1s", "6m0s",
// "59.12s"...) so clients that parse OpenAI's headers parse ours.

export interface WindowState {
  limit: number;
  remaining: number;
  /** Epoch ms when the window resets. */
  reset: number;
}

export function formatDuration(ms: number): string {
  const clamped = Math.max(0, ms);
  if (clamped < 1000) return `${Math.ceil(clamped)}ms`;
  const totalSeconds = clamped / 1000;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const secondsText = `${Number(seconds.toFixed(3))}s`;
  if (hours > 0) return `${hours}h${minutes}m${secondsText}`;
  if (minutes > 0) return `${minutes}m${secondsText}`;
  return secondsText;
}

export function rateLimitHeaders(
  state: { requests?: WindowState; tokens?: WindowState },
  now: number,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const kind of ["requests", "tokens"] as const) {
    const window = state[kind];
    if (!window) continue;
    headers[`x-ratelimit-limit-${kind}`] = String(window.limit);
    headers[`x-ratelimit-remaining-${kind}`] = String(Math.max(0, window.remaining));
    headers[`x-ratelimit-reset-${kind}`] = formatDuration(window.reset - now);
  }
  return headers;
}
