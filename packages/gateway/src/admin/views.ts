import type { KeyRecord, UsageCounts, UsageDay } from "../store/types.js";
import { addCounts, emptyCounts } from "../store/usage-counts.js";

// How keys and usage look on the wire: snake_case like OpenAI's API, never a secret or a hash.

export function keyView(record: KeyRecord) {
  return {
    object: "api_key",
    id: record.id,
    tenant: record.tenant,
    name: record.name ?? null,
    models: record.models ?? null,
    limits: record.limits ?? null,
    tags: record.tags ?? null,
    source: record.source,
    created_at: new Date(record.createdAt).toISOString(),
    expires_at: record.expiresAt !== undefined ? new Date(record.expiresAt).toISOString() : null,
    revoked_at: record.revokedAt !== undefined ? new Date(record.revokedAt).toISOString() : null,
  };
}

function countsView(c: UsageCounts) {
  return {
    requests: c.requests,
    prompt_tokens: c.promptTokens,
    completion_tokens: c.completionTokens,
    reasoning_tokens: c.reasoningTokens,
    total_tokens: c.promptTokens + c.completionTokens,
    errors: c.errors,
  };
}

/** A tenant's usage over days; with `keyId`, only that key's share. */
export function usageView(
  tenant: string,
  from: string,
  to: string,
  days: UsageDay[],
  keyId?: string,
) {
  const totals = emptyCounts();
  const daysOut = [];
  for (const d of days) {
    // An own-property lookup: `?key=__proto__` must not find Object.prototype.
    const dayTotals = keyId ? (Object.hasOwn(d.keys, keyId) ? d.keys[keyId] : undefined) : d.totals;
    if (!dayTotals) continue;
    addCounts(totals, dayTotals);
    const keys = Object.fromEntries(
      Object.entries(d.keys)
        .filter(([id]) => !keyId || id === keyId)
        .map(([id, counts]) => [id, countsView(counts)]),
    );
    daysOut.push({ day: d.day, totals: countsView(dayTotals), keys });
  }
  return { object: "usage", tenant, from, to, totals: countsView(totals), days: daysOut };
}
