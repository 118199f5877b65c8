import type { RenderOptions } from "@thinkgate/core";
import type { Context, MiddlewareHandler } from "hono";
import type { GatewayEnv } from "../env.js";
import { ApiError, errors } from "../errors/api-error.js";
import { type NodeResponse, writeSSE } from "../node/sse-writer.js";
import type { EventSource } from "../pipeline/events.js";
import { clientGone } from "../upstream/call.js";

// @hono/node-server hands every request's Node objects to the app as c.env.incoming and
// c.env.outgoing. Through them the gateway reads the body and watches the connection itself:
// asking the Request for its body or its signal would make the adapter build a full WHATWG
// Request (Headers, a Web stream over the body, an AbortController) for every request.
// Structural types only, so Worker bundles never import Node's.
interface NodeIncoming {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly readableEnded: boolean;
  on(event: "data", listener: (chunk: Buffer) => void): unknown;
  on(event: "end" | "close", listener: () => void): unknown;
  on(event: "error", listener: (err: Error) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
  pause(): unknown;
}
interface NodeBindings {
  incoming: NodeIncoming;
  outgoing: NodeResponse;
}

function nodeBindings(c: Context): NodeBindings | undefined {
  const env = c.env as Partial<NodeBindings> | undefined;
  const incoming = env?.incoming;
  const outgoing = env?.outgoing;
  if (typeof incoming?.on !== "function" || typeof outgoing?.once !== "function") return undefined;
  return { incoming, outgoing };
}

/**
 * First in the chain: the signal that says the client has gone. On Node the connection's own
 * close (before the response finished) aborts it; elsewhere it is the request's signal.
 */
export function watchClient(): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const node = nodeBindings(c);
    if (!node) {
      c.set("clientSignal", c.req.raw.signal);
      return next();
    }
    const controller = new AbortController();
    const { outgoing } = node;
    if (outgoing.destroyed) controller.abort(gone());
    else
      outgoing.once("close", () => {
        if (!outgoing.writableFinished) controller.abort(gone());
      });
    c.set("clientSignal", controller.signal);
    return next();
  };
}

const gone = () => new DOMException("The client closed the connection.", "AbortError");

/**
 * How a Node server lets the gateway write a streaming body itself (apps/node's startServer
 * puts one in c.env per request): the handler leaves a writer here and answers with a
 * bodiless Response; once every middleware has added its headers to that Response, the server
 * calls `send` with them, or `abandon` when some other response went out instead.
 */
export interface DirectBody {
  send?: (status: number, headers: Headers) => void;
  abandon?: () => void;
}

/**
 * On a Node server that takes direct bodies: arranges for the events to be written straight
 * to the connection (node/sse-writer.ts) and returns true; the caller answers with a bodiless
 * Response. Elsewhere false, and the caller builds a streamed body.
 */
export function streamDirect(
  c: Context<GatewayEnv>,
  events: EventSource,
  render: RenderOptions,
  signal: AbortSignal,
): boolean {
  const slot = (c.env as { thinkgateDirect?: DirectBody } | undefined)?.thinkgateDirect;
  const node = nodeBindings(c);
  if (!slot || !node) return false;
  slot.send = (status, headers) => writeSSE(events, render, signal, status, headers, node.outgoing);
  slot.abandon = () => events.cancel();
  return true;
}

/** The client's signal (see watchClient). */
export const clientSignal = (c: Context<GatewayEnv>): AbortSignal =>
  c.get("clientSignal") ?? c.req.raw.signal;

/**
 * The request body as text, at most `maxBytes` of it: a chunked body is refused as soon as it
 * passes the limit (413); a declared length is the caller's to check first, before anything
 * else (refuseDeclaredOverLimit). A body that never arrives whole (the client left, or the
 * server stopped waiting) is the client's doing: 499.
 */
export async function readBody(c: Context<GatewayEnv>, maxBytes: number): Promise<string> {
  const node = nodeBindings(c);
  if (node) return readIncoming(node.incoming, maxBytes);
  return readWebBody(c, maxBytes);
}

/** A declared Content-Length over the limit: 413 before a byte of the body is read. */
export function refuseDeclaredOverLimit(c: Context<GatewayEnv>, maxBytes: number): void {
  const declared = c.req.header("content-length");
  if (declared === undefined || c.req.header("transfer-encoding") !== undefined) return;
  if (Number.parseInt(declared, 10) > maxBytes) throw errors.bodyTooLarge(maxBytes);
}

function readIncoming(incoming: NodeIncoming, maxBytes: number): Promise<string> {
  if (incoming.readableEnded) return Promise.resolve("");
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("error", onFail);
      incoming.off("close", onFail);
    };
    function onData(chunk: Buffer) {
      size += chunk.length;
      if (size > maxBytes) {
        done();
        // Read no further: the server discards the rest once the 413 has gone out.
        incoming.pause();
        reject(errors.bodyTooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    }
    function onEnd() {
      done();
      const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)).toString();
      // Decoded as Request.text() does: UTF-8, a byte-order mark dropped.
      resolve(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    }
    function onFail() {
      done();
      reject(clientGone());
    }
    incoming.on("data", onData);
    incoming.on("end", onEnd);
    incoming.on("error", onFail);
    incoming.on("close", onFail);
  });
}

async function readWebBody(c: Context<GatewayEnv>, maxBytes: number): Promise<string> {
  const body = c.req.raw.body;
  if (!body) return "";
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let text = "";
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > maxBytes) {
        reader.cancel().catch(() => {});
        throw errors.bodyTooLarge(maxBytes);
      }
      text += decoder.decode(value, { stream: true });
    }
  } catch (err) {
    if (err instanceof ApiError) throw err;
    // The body never arrived whole: the client left mid-upload, or the server stopped waiting.
    if (clientSignal(c).aborted) throw clientGone();
    throw errors.badRequest(
      "The request body could not be read to its end.",
      null,
      "body_unreadable",
    );
  }
  return text + decoder.decode();
}
