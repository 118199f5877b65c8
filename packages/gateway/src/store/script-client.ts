// The whole command surface the Redis-backed store needs: Lua scripts. It is also what
// @upstash/ratelimit calls, so one client object serves both. @upstash/redis's Redis has these
// two methods as they are; redis.ts adapts ioredis to them.

export interface ScriptClient {
  eval(script: string, keys: string[], args: (string | number)[]): Promise<unknown>;
  evalsha(sha: string, keys: string[], args: (string | number)[]): Promise<unknown>;
}

export interface Script {
  source: string;
  sha: Promise<string>;
}

async function sha1Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function script(source: string): Script {
  return { source, sha: sha1Hex(source) };
}

/** EVALSHA first (the script text travels once per Redis), EVAL when Redis has not seen it yet. */
export async function runScript(
  client: ScriptClient,
  s: Script,
  keys: string[],
  args: (string | number)[],
): Promise<unknown> {
  try {
    return await client.evalsha(await s.sha, keys, args);
  } catch (error) {
    if (!String(error).includes("NOSCRIPT")) throw error;
    return client.eval(s.source, keys, args);
  }
}
