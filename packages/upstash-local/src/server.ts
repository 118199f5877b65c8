import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { type Encoding, encodeReply, errorText } from "./encoding.js";
import { needsScriptCompat, ScriptCompat } from "./script-compat.js";

// Upstash's REST protocol in front of a real Redis, the way Upstash's hosted endpoint speaks it:
//   POST /             body ["SET","k","v"]           → {"result": …} or 400 {"error": "…"}
//   POST /pipeline     body [["SET","k","v"],["GET","k"]] → [{"result": …}, {"error": "…"}]
//   POST /multi-exec   same body, run as one MULTI/EXEC transaction
//   POST /set/k/v      the command in the path (body, if any, is the last argument)
// Every request needs `Authorization: Bearer <token>`; `Upstash-Encoding: base64` asks for
// base64 strings in replies (what @upstash/redis sends by default).

export interface UpstashLocalOptions {
  /** Redis to forward to, e.g. "redis://127.0.0.1:6380". */
  redisUrl: string;
  /** The bearer token clients must present. */
  token: string;
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Largest request body accepted, in bytes. Default 10 MiB. */
  maxBodyBytes?: number;
}

export interface UpstashLocal {
  /** "http://127.0.0.1:PORT": give it to `new Redis({ url, token })`. */
  url: string;
  /** What has been served so far: HTTP requests (round trips) and the commands they carried. */
  stats: { requests: number; commands: number };
  close(): Promise<void>;
}

// Commands that hold a connection or change its state: meaningless over stateless HTTP, and a
// blocking one would stall every other client sharing our Redis connection.
const UNSUPPORTED = new Set([
  "subscribe",
  "psubscribe",
  "ssubscribe",
  "unsubscribe",
  "punsubscribe",
  "monitor",
  "multi",
  "exec",
  "discard",
  "watch",
  "unwatch",
  "select",
  "quit",
  "reset",
  "blpop",
  "brpop",
  "blmove",
  "brpoplpush",
  "bzpopmin",
  "bzpopmax",
  "blmpop",
  "bzmpop",
  "xread",
  "xreadgroup",
  "wait",
]);

class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startUpstashLocal(options: UpstashLocalOptions): Promise<UpstashLocal> {
  const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  // Without a listener ioredis reports connection errors as unhandled; each request reports them.
  redis.on("error", () => {});
  await redis.connect();
  const compat = new ScriptCompat(
    await needsScriptCompat((script) => redis.eval(script, 0) as Promise<unknown>),
  );
  const expectedToken = Buffer.from(options.token);
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;
  const stats = { requests: 0, commands: 0 };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const status = error instanceof RequestError ? error.status : 500;
      send(res, status, { error: errorText(error) });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!authorized(req.headers.authorization)) {
      send(res, 401, { error: "Unauthorized" });
      return;
    }
    const encoding: Encoding =
      String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64" ? "base64" : "utf8";
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = url.pathname.replace(/\/+$/, "");
    const body = await readBody(req, maxBodyBytes);
    stats.requests++;

    if (path === "/pipeline" || path === "/multi-exec") {
      const commands = parseCommands(body);
      stats.commands += commands.length;
      const replies =
        path === "/pipeline" ? await runPipeline(commands) : await runTransaction(commands);
      send(
        res,
        200,
        replies.map((r) =>
          "error" in r ? { error: r.error } : { result: encodeReply(r.result, encoding) },
        ),
      );
      return;
    }

    const command = path === "" ? parseCommand(body) : commandFromPath(path, body);
    stats.commands++;
    const reply = await runOne(command);
    if ("error" in reply) send(res, 400, { error: reply.error });
    else send(res, 200, { result: encodeReply(reply.result, encoding) });
  }

  function authorized(header: string | undefined): boolean {
    const match = /^Bearer\s+(.+)$/i.exec(header ?? "");
    if (!match) return false;
    const given = Buffer.from(match[1]!.trim());
    return given.length === expectedToken.length && timingSafeEqual(given, expectedToken);
  }

  type Reply = { result: unknown } | { error: string };

  function check(command: string[]): string | null {
    const name = command[0]?.toLowerCase();
    if (!name) return "ERR empty command";
    if (UNSUPPORTED.has(name)) return `ERR command '${name}' is not supported over REST`;
    return null;
  }

  async function runOne(command: string[]): Promise<Reply> {
    const refused = check(command);
    if (refused) return { error: refused };
    const sent = compat.rewrite(command);
    try {
      const result = await redis.callBuffer(sent[0]!, ...sent.slice(1));
      return { result: compat.rewriteReply(command, result) };
    } catch (error) {
      return { error: errorText(error) };
    }
  }

  async function runPipeline(commands: string[][]): Promise<Reply[]> {
    const pipeline = redis.pipeline();
    const refusals = commands.map(check);
    commands.forEach((command, i) => {
      if (refusals[i]) return;
      const sent = compat.rewrite(command);
      pipeline.callBuffer(sent[0]!, ...sent.slice(1));
    });
    const results = pipeline.length > 0 ? ((await pipeline.exec()) ?? []) : [];
    let next = 0;
    return commands.map((command, i) => {
      const refused = refusals[i];
      if (refused) return { error: refused };
      const [error, result] = results[next++] ?? [new Error("ERR no reply"), null];
      return error ? { error: errorText(error) } : { result: compat.rewriteReply(command, result) };
    });
  }

  async function runTransaction(commands: string[][]): Promise<Reply[]> {
    // A refused command aborts the whole transaction, as a command Redis rejects at queue time does.
    for (const command of commands) {
      const refused = check(command);
      if (refused) throw new RequestError(400, refused);
    }
    const multi = redis.multi();
    for (const command of commands) {
      const sent = compat.rewrite(command);
      multi.callBuffer(sent[0]!, ...sent.slice(1));
    }
    let results: [Error | null, unknown][] | null;
    try {
      results = await multi.exec();
    } catch (error) {
      throw new RequestError(400, errorText(error));
    }
    if (!results) throw new RequestError(400, "ERR transaction aborted");
    return results.map(([error, result], i) =>
      error ? { error: errorText(error) } : { result: compat.rewriteReply(commands[i]!, result) },
    );
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;

  return {
    url: `http://${options.host ?? "127.0.0.1"}:${address.port}`,
    stats,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      redis.disconnect();
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new RequestError(413, `ERR request body larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function toArgument(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  // @upstash/redis serialises objects itself; anything else is a client bug worth reporting.
  throw new RequestError(400, "ERR command arguments must be strings or numbers");
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new RequestError(400, "ERR request body is not valid JSON");
  }
}

function parseCommand(body: string): string[] {
  const value = parseJson(body);
  if (!Array.isArray(value) || value.length === 0) {
    throw new RequestError(400, "ERR request body must be a non-empty JSON array: a command");
  }
  return value.map(toArgument);
}

function parseCommands(body: string): string[][] {
  const value = parseJson(body);
  if (!Array.isArray(value) || value.length === 0 || !value.every(Array.isArray)) {
    throw new RequestError(400, "ERR request body must be a non-empty JSON array of commands");
  }
  return (value as unknown[][]).map((command) => {
    if (command.length === 0) throw new RequestError(400, "ERR empty command");
    return command.map(toArgument);
  });
}

function commandFromPath(path: string, body: string): string[] {
  const parts = path
    .split("/")
    .filter(Boolean)
    .map((part) => decodeURIComponent(part));
  return body.length > 0 ? [...parts, body] : parts;
}
