import { Pool } from "undici";

// No request here legitimately takes more than a couple of seconds (the longest, 10,000 chunks
// through workerd, about one): a contender that stalls fails its request instead of the run.
const TIMEOUT_MS = 15_000;

/** A keep-alive pool of exactly `connections` sockets to one origin, one request per socket. */
export function poolFor(origin: string, connections: number, bodyTimeoutMs = TIMEOUT_MS): Pool {
  return new Pool(origin, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 60_000,
    headersTimeout: TIMEOUT_MS,
    bodyTimeout: bodyTimeoutMs,
  });
}
