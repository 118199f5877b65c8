import { script } from "./script-client.js";

// The store's Lua scripts: each store operation is one script, so it is one round trip and
// atomic on Redis and on Upstash alike.

/** KEYS: record, id → hash, set of hashes. ARGV: record JSON, hash. */
export const putKey = script(`
redis.call("SET", KEYS[1], ARGV[1])
redis.call("SET", KEYS[2], ARGV[2])
redis.call("SADD", KEYS[3], ARGV[2])
return 1
`);

/**
 * KEYS: record. ARGV: the record's JSON as last read, its new JSON. Writes only if nothing
 * changed it since that read (check-and-set). Returns 1 when written, 0 otherwise.
 */
export const replaceKey = script(`
if redis.call("GET", KEYS[1]) ~= ARGV[1] then return 0 end
redis.call("SET", KEYS[1], ARGV[2])
return 1
`);

/** KEYS: record. */
export const getKey = script(`return redis.call("GET", KEYS[1])`);

/** KEYS: id → hash. ARGV: prefix of record keys. */
export const getKeyById = script(`
local hash = redis.call("GET", KEYS[1])
if not hash then return false end
return redis.call("GET", ARGV[1] .. hash)
`);

/** KEYS: set of hashes. ARGV: prefix of record keys. Returns the records' JSON. */
export const listKeys = script(`
local hashes = redis.call("SMEMBERS", KEYS[1])
local out = {}
for i, hash in ipairs(hashes) do
  out[i] = redis.call("GET", ARGV[1] .. hash) or ""
end
return out
`);

/**
 * KEYS: a marker for this batch (optional). ARGV: deltas JSON, prefix of usage keys, TTL
 * seconds. One hash per tenant and day: totals in "requests", "prompt", …, and per key in
 * "<keyId>|requests", "<keyId>|prompt", …. A batch whose marker exists was counted already.
 */
export const addUsage = script(`
if KEYS[1] and not redis.call("SET", KEYS[1], "1", "NX", "EX", 86400) then
  return 0
end
local deltas = cjson.decode(ARGV[1])
local fields = { "requests", "prompt", "completion", "reasoning", "errors" }
for _, d in ipairs(deltas) do
  local key = ARGV[2] .. d.tenant .. ":" .. d.day
  for _, f in ipairs(fields) do
    local n = tonumber(d[f]) or 0
    if n ~= 0 then
      redis.call("HINCRBY", key, f, n)
      redis.call("HINCRBY", key, d.keyId .. "|" .. f, n)
    end
  end
  redis.call("EXPIRE", key, ARGV[3])
end
return #deltas
`);

/** KEYS: the day hashes. Returns one flat HGETALL reply per key. */
export const readUsage = script(`
local out = {}
for i, key in ipairs(KEYS) do
  out[i] = redis.call("HGETALL", key)
end
return out
`);

/**
 * KEYS: current and previous window counters, laid out as @upstash/ratelimit lays them out.
 * ARGV: limit, now, window ms, cost. The library's weighting, but all-or-nothing: the cost is
 * counted only if it fits. Returns {1 | 0, remaining}.
 */
export const reserve = script(`
local limit = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local current = tonumber(redis.call("GET", KEYS[1]) or "0")
local previous = tonumber(redis.call("GET", KEYS[2]) or "0")
local used = current + math.floor((1 - (now % window) / window) * previous)
if used + cost > limit then
  return { 0, math.max(0, limit - used) }
end
local value = redis.call("INCRBY", KEYS[1], cost)
if value == cost then
  redis.call("PEXPIRE", KEYS[1], window * 2 + 1000)
end
return { 1, limit - used - cost }
`);

/**
 * KEYS: a window's counter (the current one, or a reservation's being refunded), laid out as
 * @upstash/ratelimit lays it out. ARGV: amount, TTL ms. INCRBY without a limit check: settling
 * real usage and refunds.
 */
export const charge = script(`
local value = redis.call("INCRBY", KEYS[1], ARGV[1])
if value == tonumber(ARGV[1]) then
  redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
return value
`);

/**
 * KEYS: sorted set of leases scored by expiry. ARGV: now, limit, lease id, TTL ms.
 * Expired leases (their instance died or forgot them) are dropped before counting.
 * Returns {ok, active, ms until the oldest lease expires}.
 */
export const acquireLease = script(`
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local ttl = tonumber(ARGV[4])
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", now)
if not redis.call("ZSCORE", KEYS[1], ARGV[3]) then
  local active = redis.call("ZCARD", KEYS[1])
  if active >= limit then
    local oldest = redis.call("ZRANGE", KEYS[1], 0, 0, "WITHSCORES")
    return { 0, active, tonumber(oldest[2]) - now }
  end
end
redis.call("ZADD", KEYS[1], now + ttl, ARGV[3])
if redis.call("PTTL", KEYS[1]) < ttl then
  redis.call("PEXPIRE", KEYS[1], ttl)
end
return { 1, redis.call("ZCARD", KEYS[1]), 0 }
`);

/** KEYS: sorted set of leases. ARGV: lease id. */
export const releaseLease = script(`return redis.call("ZREM", KEYS[1], ARGV[1])`);
