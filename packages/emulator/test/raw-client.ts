import { request } from "node:http";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  parts: Buffer[]; // body as the socket delivered it, one Buffer per read
  text: string;
  aborted: boolean; // the connection died before the body ended
}

/** POSTs with node:http and keeps the body's read boundaries: where bytes matter, fetch hides too much. */
export function rawPost(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const payload = typeof body === "string" ? body : JSON.stringify(body);
  return rawRequest(url, "POST", payload, { "content-type": "application/json", ...headers });
}

export function rawRequest(
  url: string,
  method: string,
  payload?: string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      let aborted = false;
      res.on("data", (part: Buffer) => parts.push(part));
      res.on("aborted", () => {
        aborted = true;
      });
      res.on("error", () => {
        aborted = true;
      });
      res.on("close", () => {
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          parts,
          text: Buffer.concat(parts).toString("utf8"),
          aborted: aborted || !res.complete,
        });
      });
    });
    req.on("error", reject);
    req.end(payload);
  });
}

/** Replaces what changes per response (ids, timestamps) so bytes can be compared exactly. */
export function stable(text: string): string {
  return text
    .replace(/"id":"[^"]+"/g, '"id":"ID"')
    .replace(/"request_id":"[^"]+"/g, '"request_id":"RID"')
    .replace(/"created":\d+/g, '"created":0');
}

/** The JSON of each `data:` event, [DONE] excluded. */
export function dataEvents(text: string): unknown[] {
  return text
    .split(/\r?\n\r?\n/)
    .flatMap((block) => block.split(/\r?\n/).filter((line) => line.startsWith("data: ")))
    .map((line) => line.slice(6))
    .filter((data) => data !== "[DONE]")
    .map((data) => JSON.parse(data));
}

export const chat = (content: string, extra: Record<string, unknown> = {}) => ({
  messages: [{ role: "user", content }],
  ...extra,
});
