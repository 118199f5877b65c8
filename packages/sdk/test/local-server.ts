// A real node:http server on a free port, for tests where the exact bytes and timing of a
// response matter (retries, timeouts, broken streams).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface LocalServer {
  url: string;
  /** Each request seen: when it arrived, and whether the client went away before the end. */
  hits: Array<{
    at: number;
    path: string;
    headers: IncomingMessage["headers"];
    closed: Promise<boolean>;
  }>;
  close(): Promise<void>;
}

export async function serve(
  handler: (req: IncomingMessage, res: ServerResponse, hit: number) => void,
): Promise<LocalServer> {
  const hits: LocalServer["hits"] = [];
  const server = createServer((req, res) => {
    const closed = new Promise<boolean>((resolve) =>
      res.on("close", () => resolve(!res.writableFinished)),
    );
    hits.push({ at: Date.now(), path: req.url ?? "", headers: req.headers, closed });
    req.resume();
    req.on("end", () => handler(req, res, hits.length - 1));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const sse = (chunks: unknown[]) =>
  chunks.map((c) => `data: ${typeof c === "string" ? c : JSON.stringify(c)}\n\n`).join("");

export const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: "chatcmpl-1",
  object: "chat.completion.chunk",
  created: 1,
  model: "m",
  choices: [{ index: 0, delta, finish_reason: finish }],
});

/** A complete, small stream in DashScope's shape. */
export const okStream = sse([
  chunk({ role: "assistant", content: null, reasoning_content: "Thinking." }),
  chunk({ content: "Answer.", reasoning_content: null }),
  chunk({ content: "" }, "stop"),
  {
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1,
    model: "m",
    choices: [],
    usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
  },
  "[DONE]",
]);

export function sendSSE(res: ServerResponse, body: string): void {
  res.writeHead(200, { "content-type": "text/event-stream", "x-request-id": "req-ok" });
  res.end(body);
}

export function sendError(
  res: ServerResponse,
  status: number,
  headers: Record<string, string> = {},
  error: Record<string, unknown> = {
    message: `failed with ${status}`,
    type: "test_error",
    code: `e${status}`,
  },
): void {
  res.writeHead(status, {
    "content-type": "application/json",
    "x-request-id": `req-${status}`,
    ...headers,
  });
  res.end(JSON.stringify({ error: { param: null, ...error } }));
}
