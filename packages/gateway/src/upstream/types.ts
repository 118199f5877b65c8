import type { ReasoningMode } from "@thinkgate/core";
import type { BackendConfig } from "../config/schema.js";
import type { RequestPolicy } from "./request-policy.js";

/** A JSON request body on its way upstream; adapters return a new object, never mutate. */
export type RequestBody = Record<string, unknown>;

/** What distinguishes one kind of backend: data, plus at most a pure request transform. */
export interface Adapter {
  baseUrl(backend: BackendConfig): string;
  transform?(body: RequestBody): RequestBody;
}

/** A configured backend, resolved once at start-up so the hot path only reads it. */
export interface Upstream {
  name: string;
  /** Full URL of its chat completions endpoint. */
  url: string;
  /** Pre-built request headers: content type, auth, the backend's own headers. */
  headers: Readonly<Record<string, string>>;
  reasoning: ReasoningMode;
  firstByteTimeoutMs: number;
  idleTimeoutMs: number;
  maxStreamMs: number;
  maxOutputChars: number;
  historyReasoning: "strip" | "keep";
  params: BackendConfig["params"];
  tags: readonly string[];
  continuation: BackendConfig["continuation"];
  /** What this backend accepts from clients (request-policy.ts). */
  policy: RequestPolicy;
  transform: ((body: RequestBody) => RequestBody) | undefined;
}
