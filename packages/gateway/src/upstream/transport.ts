/**
 * The part of fetch the gateway uses to talk to its backends. The global fetch fits it (on
 * Workers, and by default); on Node the gateway is given a transport on undici's dispatcher
 * (`@thinkgate/gateway/node`), which fits it without building a Request, Headers and two Web
 * streams per request.
 */
export type UpstreamFetch = (url: string, init: UpstreamInit) => Promise<UpstreamResponse>;

export interface UpstreamInit {
  method: "POST";
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
  /** Never follow: a redirect is a failure ("error" on Node's fetch, "manual" on workerd's). */
  redirect: RequestRedirect;
}

export interface UpstreamResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly body: { getReader(): ByteReader } | null;
}

/** How the gateway reads an upstream body: a ReadableStream's default reader fits it. */
export interface ByteReader {
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
  /** Stops reading and lets go of the connection (a body not read to its end closes it). */
  cancel(reason?: unknown): Promise<void>;
}
