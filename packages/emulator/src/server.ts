import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { respondChat } from "./chat.js";
import { wasCut } from "./cut.js";
import { routeOf } from "./dialects/index.js";
import type { Dialect } from "./dialects/types.js";
import { sendJson } from "./json-response.js";
import type { EmulatedRequest, Emulator, EmulatorOptions } from "./types.js";

const MAX_BODY_BYTES = 16 * 1024 * 1024;

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const requests: EmulatedRequest[] = [];
  let closing = false;
  const server: Server = createServer((req, res) => {
    handle(req, res, options, requests, () => closing).catch((error: unknown) => {
      // A bug of ours must not take the emulator (and every other test's backend) down.
      if (!res.headersSent)
        sendJson(res, 500, { error: { message: String(error), type: "emulator_error" } });
      else res.destroy();
    });
  });
  server.requestTimeout = 0; // hangs are a feature here: nothing times out on the server side
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        server.close(() => resolve());
        server.closeAllConnections(); // hanging streams included
      }),
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  options: EmulatorOptions,
  requests: EmulatedRequest[],
  closing: () => boolean,
): Promise<void> {
  res.socket?.setNoDelay(true);
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  const route = routeOf(path);
  // Listen for the end of the response before anything is awaited, so no close goes unseen.
  const closed = new AbortController();
  res.once("close", () => closed.abort());
  const record = track(req, res, route?.dialect.name ?? "unknown", path, closing);
  if (options.record !== false) requests.push(record);

  const raw = await readBody(req); // null: over MAX_BODY_BYTES
  const parsed = raw === null ? null : parseJson(raw);
  if (parsed) record.body = parsed.ok ? parsed.value : raw === "" ? undefined : raw;
  if (!route) return sendJson(res, 404, notFound(path));
  if (!parsed) return sendJson(res, 413, route.dialect.error(413, "Request body too large"));

  const { dialect, endpoint } = route;
  if (endpoint === "models") {
    if (req.method !== "GET") return methodNotAllowed(res, dialect);
    return sendJson(res, 200, dialect.models(Math.floor(Date.now() / 1000)));
  }
  if (req.method !== "POST") return methodNotAllowed(res, dialect);
  if (!parsed.ok)
    return sendJson(
      res,
      400,
      dialect.error(400, `Invalid JSON in request body: ${parsed.message}`),
    );
  return respondChat(res, dialect, parsed.value, options, closed.signal);
}

function track(
  req: IncomingMessage,
  res: ServerResponse,
  dialect: string,
  path: string,
  closing: () => boolean,
): EmulatedRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  let resolveDone!: () => void;
  const record: EmulatedRequest = {
    dialect,
    path,
    headers,
    body: undefined,
    closedByClient: false,
    done: new Promise<void>((resolve) => {
      resolveDone = resolve;
    }),
  };
  // "close" fires once the response ended or its connection went away, whichever comes first.
  res.once("close", () => {
    record.closedAt = Date.now();
    record.closedByClient = !res.writableFinished && !closing() && !wasCut(res);
    resolveDone();
  });
  return record;
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on("data", (part: Buffer) => {
      size += part.length;
      if (size <= MAX_BODY_BYTES) parts.push(part);
    });
    req.on("end", () =>
      resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(parts).toString("utf8")),
    );
    req.on("error", () => resolve(null));
    req.on("close", () => resolve(Buffer.concat(parts).toString("utf8")));
  });
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

function notFound(path: string) {
  return {
    error: {
      message: `Not found: ${path}`,
      type: "not_found_error",
      param: null,
      code: "not_found",
    },
  };
}

function methodNotAllowed(res: ServerResponse, dialect: Dialect): void {
  sendJson(res, 405, dialect.error(405, "Method Not Allowed"), {
    allow: res.req?.url?.endsWith("/models") ? "GET" : "POST",
  });
}
