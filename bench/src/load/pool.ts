import { Pool } from "undici";

/** A keep-alive pool of exactly `connections` sockets to one origin, one request per socket. */
export function poolFor(origin: string, connections: number, bodyTimeoutMs = 60_000): Pool {
  return new Pool(origin, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 60_000,
    headersTimeout: 60_000,
    bodyTimeout: bodyTimeoutMs,
  });
}
