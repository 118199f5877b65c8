export { freePort, type RedisServer, startRedisServer } from "./redis-server.js";
export { startUpstashLocal, type UpstashLocal, type UpstashLocalOptions } from "./server.js";
