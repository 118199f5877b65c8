#!/usr/bin/env -S npx tsx
import { parseArgs } from "node:util";
import { startUpstashLocal } from "./server.js";

// upstash-local --redis redis://127.0.0.1:6379 --token dev [--port 8079] [--host 127.0.0.1]
const { values } = parseArgs({
  options: {
    redis: { type: "string", default: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" },
    token: { type: "string", default: process.env.UPSTASH_LOCAL_TOKEN },
    port: { type: "string", default: process.env.PORT ?? "8079" },
    host: { type: "string", default: "127.0.0.1" },
  },
});

if (!values.token) {
  console.error("upstash-local: --token is required (or UPSTASH_LOCAL_TOKEN)");
  process.exit(2);
}

const server = await startUpstashLocal({
  redisUrl: values.redis,
  token: values.token,
  port: Number(values.port),
  host: values.host,
});
console.log(`upstash-local: ${server.url} → ${values.redis}`);
console.log(`  UPSTASH_REDIS_REST_URL=${server.url} UPSTASH_REDIS_REST_TOKEN=<your token>`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    server.close().then(() => process.exit(0));
  });
}
