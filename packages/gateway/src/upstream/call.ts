import type { SSENormalizer, StreamEvent } from "@thinkgate/core";
import { ApiError } from "../errors/api-error.js";
import {
  firstByteTimeout,
  mapUpstreamStatus,
  notAStream,
  type UpstreamFailure,
  unreachable,
} from "./error-map.js";
import type { ByteReader, UpstreamFetch, UpstreamResponse } from "./transport.js";
import type { Upstream } from "./types.js";

/** An upstream that answered 200 and sent its first bytes: from here on the client is served. */
export interface Connected {
  ok: true;
  reader: ByteReader;
  first: ReadableStreamReadResult<Uint8Array>;
  /**
   * Set once the first event was found (router/first-event.ts): the normalizer that read up to
   * here and the events it produced, so nothing read so far is parsed twice. `first` has been
   * consumed then.
   */
  primed?: { sse: SSENormalizer; events: StreamEvent[]; ended: boolean };
  /** Detaches from the client's signal once the response is over. */
  release(): void;
}

export type CallResult = Connected | ({ ok: false } & UpstreamFailure);

const maxErrorBodyBytes = 16 * 1024;

// An upstream that redirects is misconfigured: it fails like any other, and is never followed
// (the request would go, key and all, wherever the redirect points). "error" also spares
// Node's fetch a clone of every request with a tee() of its body; workerd rejects "error" and
// takes "manual", which hands back the 3xx as a failed status.
const redirect: RequestRedirect =
  (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent ===
  "Cloudflare-Workers"
    ? "manual"
    : "error";

/**
 * POSTs to one upstream and waits for its first bytes, within the backend's first-byte
 * timeout. The client's signal aborts the fetch at once, at any point of the stream's life.
 */
export async function callUpstream(
  fetchFn: UpstreamFetch,
  upstream: Upstream,
  headers: Record<string, string>,
  body: string,
  clientSignal: AbortSignal,
): Promise<CallResult> {
  if (clientSignal.aborted) throw clientGone();
  const controller = new AbortController();
  const onClientAbort = () => controller.abort(clientSignal.reason);
  clientSignal.addEventListener("abort", onClientAbort, { once: true });
  const release = () => clientSignal.removeEventListener("abort", onClientAbort);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, upstream.firstByteTimeoutMs);

  const fail = (result: UpstreamFailure): CallResult => {
    clearTimeout(timer);
    release();
    controller.abort();
    if (clientSignal.aborted) throw clientGone();
    return { ok: false, ...result };
  };

  let response: UpstreamResponse;
  try {
    response = await fetchFn(upstream.url, {
      method: "POST",
      headers,
      body,
      signal: controller.signal,
      redirect,
    });
  } catch {
    return fail(
      timedOut
        ? firstByteTimeout(upstream.name, upstream.firstByteTimeoutMs)
        : unreachable(upstream.name),
    );
  }
  if (!response.ok || !response.body) {
    let text = "";
    try {
      text = await readBounded(response);
    } catch {
      // the error body is a courtesy; its status is what counts
    }
    if (timedOut) return fail(firstByteTimeout(upstream.name, upstream.firstByteTimeoutMs));
    return fail(
      mapUpstreamStatus(response.status, text, response.headers.get("retry-after"), upstream.name),
    );
  }
  if (/\bjson\b/i.test(response.headers.get("content-type") ?? "")) {
    // Asked to stream, it answered one JSON document: an error in disguise (some servers and
    // proxies send errors with status 200), never an answer we could stream.
    const text = await readBounded(response).catch(() => "");
    return fail(
      timedOut
        ? firstByteTimeout(upstream.name, upstream.firstByteTimeoutMs)
        : notAStream(upstream.name, text),
    );
  }
  const reader = response.body.getReader();
  let first: ReadableStreamReadResult<Uint8Array>;
  try {
    first = await reader.read();
  } catch {
    return fail(
      timedOut
        ? firstByteTimeout(upstream.name, upstream.firstByteTimeoutMs)
        : unreachable(upstream.name),
    );
  }
  clearTimeout(timer);
  return { ok: true, reader, first, release };
}

async function readBounded(response: UpstreamResponse): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    if (text.length > maxErrorBodyBytes) {
      await reader.cancel();
      break;
    }
  }
  return text;
}

/** The client left before an upstream answered: nobody to answer to. */
export function clientGone(): ApiError {
  return new ApiError(499, {
    message: "The client closed the request.",
    type: "invalid_request_error",
    param: null,
    code: "client_closed_request",
  });
}
