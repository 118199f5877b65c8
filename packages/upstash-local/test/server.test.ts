import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis/cloudflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type RedisServer,
  startRedisServer,
  startUpstashLocal,
  type UpstashLocal,
} from "../src/index.js";

let redisServer: RedisServer;
let local: UpstashLocal;
const token = "test-token";

beforeAll(async () => {
  redisServer = await startRedisServer();
  local = await startUpstashLocal({ redisUrl: redisServer.url, token });
});

afterAll(async () => {
  await local?.close();
  await redisServer?.stop();
});

function client(options: { automaticDeserialization?: boolean } = {}): Redis {
  return new Redis({ url: local.url, token, retry: false, ...options });
}

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${local.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

describe("REST protocol", () => {
  it("runs one command from a JSON array", async () => {
    expect(await post("/", ["SET", "plain", "hello"])).toEqual({
      status: 200,
      body: { result: "OK" },
    });
    expect(await post("/", ["GET", "plain"])).toEqual({ status: 200, body: { result: "hello" } });
    expect(await post("/", ["INCRBY", "n", 5])).toEqual({ status: 200, body: { result: 5 } });
  });

  it("base64-encodes every string when asked, nulls and integers untouched", async () => {
    await post("/", ["RPUSH", "list", "é", "b"]);
    const res = await post("/", ["LRANGE", "list", "0", "-1"], { "upstash-encoding": "base64" });
    expect(res.body).toEqual({
      result: [Buffer.from("é").toString("base64"), Buffer.from("b").toString("base64")],
    });
    expect((await post("/", ["GET", "missing"], { "upstash-encoding": "base64" })).body).toEqual({
      result: null,
    });
    expect((await post("/", ["SET", "x", "1"], { "upstash-encoding": "base64" })).body).toEqual({
      result: Buffer.from("OK").toString("base64"),
    });
  });

  it("takes the command from the path", async () => {
    expect(await post("/set/pathkey", "from-body")).toEqual({
      status: 200,
      body: { result: "OK" },
    });
    expect((await post("/get/pathkey", "")).body).toEqual({ result: "from-body" });
  });

  it("answers Redis errors with 400 and the Redis message", async () => {
    const res = await post("/", ["NOPE"]);
    expect(res.status).toBe(400);
    expect((res.body as { error: string }).error).toMatch(/unknown command/i);
  });

  it("refuses a missing or wrong token with 401", async () => {
    const res = await fetch(local.url, {
      method: "POST",
      headers: { authorization: "Bearer wrong" },
      body: JSON.stringify(["PING"]),
    });
    expect(res.status).toBe(401);
    const none = await fetch(local.url, { method: "POST", body: JSON.stringify(["PING"]) });
    expect(none.status).toBe(401);
  });

  it("rejects bodies that are not commands, and connection-state commands", async () => {
    expect((await post("/", "{not json")).status).toBe(400);
    expect((await post("/", { a: 1 })).status).toBe(400);
    expect((await post("/", [])).status).toBe(400);
    expect((await post("/", ["SUBSCRIBE", "chan"])).status).toBe(400);
    expect((await post("/pipeline", [["PING"], "GET"])).status).toBe(400);
  });

  it("pipelines with an error per failed command", async () => {
    const res = await post("/pipeline", [["SET", "p", "1"], ["NOPE"], ["INCR", "p"]]);
    expect(res.status).toBe(200);
    const replies = res.body as Array<{ result?: unknown; error?: string }>;
    expect(replies[0]).toEqual({ result: "OK" });
    expect(replies[1]!.error).toMatch(/unknown command/i);
    expect(replies[2]).toEqual({ result: 2 });
  });

  it("runs /multi-exec as one transaction", async () => {
    const res = await post("/multi-exec", [
      ["SET", "t", "1"],
      ["INCRBY", "t", "41"],
      ["GET", "t"],
    ]);
    expect(res).toEqual({
      status: 200,
      body: [{ result: "OK" }, { result: 42 }, { result: "42" }],
    });
    const aborted = await post("/multi-exec", [["SET", "t2", "1"], ["NOPE"]]);
    expect(aborted.status).toBe(400);
    expect((await post("/", ["EXISTS", "t2"])).body).toEqual({ result: 0 });
  });
});

describe("@upstash/redis, unmodified", () => {
  it("round-trips values, JSON and binary-unsafe text", async () => {
    const redis = client();
    await redis.set("obj", { a: 1, b: ["x"] });
    expect(await redis.get("obj")).toEqual({ a: 1, b: ["x"] });
    await redis.hset("h", { f1: "v1", f2: "ünïcödé" });
    expect(await redis.hgetall("h")).toEqual({ f1: "v1", f2: "ünïcödé" });
    expect(await redis.zadd("z", { score: 1, member: "m" })).toBe(1);
  });

  it("runs explicit pipelines and transactions", async () => {
    const redis = client();
    const p = redis.pipeline();
    p.set("pa", "1");
    p.incr("pa");
    p.get("pa");
    expect(await p.exec()).toEqual(["OK", 2, 2]);
    const tx = redis.multi();
    tx.incr("ta");
    tx.incr("ta");
    expect(await tx.exec()).toEqual([1, 2]);
  });

  it("batches concurrent commands into auto-pipelines", async () => {
    const redis = client();
    const before = { ...local.stats };
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => redis.incrby("auto", i)),
    );
    expect(Math.max(...results)).toBe(190);
    expect(local.stats.requests - before.requests).toBe(1);
    expect(local.stats.commands - before.commands).toBe(20);
  });

  it("runs scripts, EVALSHA after EVAL and NOSCRIPT for an unknown SHA", async () => {
    const redis = client();
    const script = redis.createScript<number>("return tonumber(ARGV[1]) + 1");
    expect(await script.exec([], ["41"])).toBe(42);
    await expect(redis.evalsha("0".repeat(40), [], [])).rejects.toThrow(/NOSCRIPT/);
  });
});

describe("@upstash/ratelimit, unmodified", () => {
  it("enforces a sliding window exactly under a concurrent burst", async () => {
    const limiter = new Ratelimit({
      redis: client(),
      limiter: Ratelimit.slidingWindow(10, "60 s"),
      prefix: "burst",
      ephemeralCache: false,
      enableTelemetry: false,
    });
    const results = await Promise.all(Array.from({ length: 30 }, () => limiter.limit("user")));
    expect(results.filter((r) => r.success)).toHaveLength(10);
    const after = await limiter.getRemaining("user");
    expect(after.remaining).toBe(0);
  });

  it("counts a rate above one and refunds a negative rate", async () => {
    const limiter = new Ratelimit({
      redis: client(),
      limiter: Ratelimit.slidingWindow(100, "60 s"),
      prefix: "rate",
      ephemeralCache: false,
      enableTelemetry: false,
    });
    expect((await limiter.limit("t", { rate: 60 })).remaining).toBe(40);
    expect((await limiter.limit("t", { rate: -20 })).remaining).toBe(60);
    expect((await limiter.getRemaining("t")).remaining).toBe(60);
  });

  it("runs the fixed window and token bucket scripts", async () => {
    const redis = client();
    const fixed = new Ratelimit({
      redis,
      limiter: Ratelimit.fixedWindow(2, "60 s"),
      prefix: "fixed",
      ephemeralCache: false,
    });
    const bucket = new Ratelimit({
      redis,
      limiter: Ratelimit.tokenBucket(1, "60 s", 2),
      prefix: "bucket",
      ephemeralCache: false,
    });
    const f = [await fixed.limit("a"), await fixed.limit("a"), await fixed.limit("a")];
    expect(f.map((r) => r.success)).toEqual([true, true, false]);
    const b = [await bucket.limit("a"), await bucket.limit("a"), await bucket.limit("a")];
    expect(b.map((r) => r.success)).toEqual([true, true, false]);
  });
});
