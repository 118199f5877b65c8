import type { Dispatcher } from "undici";
import type { Target } from "./jobs.js";
import { SSETokens } from "./sse-tokens.js";

/** One request and its response, timed on this process's monotonic clock. */
export interface Exchange {
  startedAt: number; // performance.now() just before the request was handed to undici
  endedAt: number; // the last byte arrived (or the failure)
  firstTokenAt?: number;
  tokenTimes?: number[]; // arrival of every token chunk, when asked for
  tokens: number;
  error?: string; // non-200, an in-band error event, a stream without [DONE], a network error
  aborted: boolean; // stopped by us (end of a measured window), not a failure
}

export interface ExchangeOptions {
  keepTokenTimes?: boolean;
  signal?: AbortSignal;
  onFirstToken?: () => void;
}

/** Sends the request and reads the whole response, counting token chunks if it streams. */
export async function exchange(
  dispatcher: Dispatcher,
  target: Target,
  body: string,
  options: ExchangeOptions = {},
): Promise<Exchange> {
  const startedAt = performance.now();
  const result: Exchange = { startedAt, endedAt: startedAt, tokens: 0, aborted: false };
  if (options.keepTokenTimes) result.tokenTimes = [];
  const sse = new SSETokens();
  const onToken = () => {
    const now = performance.now();
    if (result.firstTokenAt === undefined) {
      result.firstTokenAt = now;
      options.onFirstToken?.();
    }
    result.tokenTimes?.push(now);
  };
  try {
    const response = await dispatcher.request({
      origin: target.origin,
      path: target.path,
      method: "POST",
      headers: target.headers,
      body,
      signal: options.signal,
    });
    const streaming = String(response.headers["content-type"] ?? "").includes("event-stream");
    if (response.statusCode !== 200) {
      const text = await response.body.text();
      result.error = `HTTP ${response.statusCode}: ${text.slice(0, 300)}`;
    } else if (streaming) {
      for await (const bytes of response.body) sse.feed(bytes as Uint8Array, onToken);
      result.tokens = sse.tokens;
      if (sse.error) result.error = `error event: ${sse.error}`;
      else if (!sse.done) result.error = "stream ended without [DONE]";
      else if (sse.tokens === 0) result.error = "stream carried no tokens";
    } else {
      const text = await response.body.text();
      if (!text.includes('"choices"'))
        result.error = `not a chat completion: ${text.slice(0, 300)}`;
    }
  } catch (error) {
    if (options.signal?.aborted) result.aborted = true;
    else result.error = `${(error as Error).name}: ${(error as Error).message}`;
  }
  result.endedAt = performance.now();
  return result;
}
