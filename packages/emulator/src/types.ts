export interface EmulatorOptions {
  port?: number; // default 0 (a free port)
  host?: string; // default 127.0.0.1
  firstByteDelayMs?: number; // default 0: fixed time to first token (bench)
  chunkDelayMs?: number; // default 0: fixed pace between chunks (bench)
  splitUtf8?: boolean; // default true: split one multi-byte character across writes per stream
  record?: boolean; // default true; false keeps `requests` empty (long benchmarks: no growth)
}

export interface EmulatedRequest {
  dialect: string; // "unknown" when no dialect prefix matched
  path: string;
  headers: Record<string, string>;
  body: unknown; // parsed JSON; the raw text when it was not JSON; undefined when empty
  closedByClient: boolean; // the client went away before the response ended
  closedAt?: number; // Date.now() when the response's connection closed (or the response ended)
  done: Promise<void>; // resolves then
}

export interface Emulator {
  url: string;
  requests: EmulatedRequest[];
  close(): Promise<void>;
}
