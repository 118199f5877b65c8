/**
 * One JSON object per line on the console: Workers Logs and `wrangler tail` index the fields.
 * Warnings (store outages, a bad config) go to console.warn so they can be filtered by level.
 */
export const logRequest = (line: Record<string, unknown>): void =>
  console.log(JSON.stringify(line));
export const logWarning = (line: Record<string, unknown>): void =>
  console.warn(JSON.stringify(line));
