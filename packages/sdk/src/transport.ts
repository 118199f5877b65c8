import { Attempt } from "./attempt.js";
import { APIUserAbortError, errorFromResponse, type ThinkgateError } from "./errors.js";
import { isRetryableStatus, retryDelayMs, sleep } from "./retry-policy.js";

export interface TransportConfig {
  baseURL: string;
  apiKey: string | undefined;
  fetch: typeof fetch;
  timeout: number;
  maxRetries: number;
  defaultHeaders: Record<string, string>;
}

/** Per-call settings: every method takes these as its last argument. */
export interface RequestOptions {
  signal?: AbortSignal;
  /** Milliseconds without a response or, mid-stream, without new bytes. */
  timeout?: number;
  maxRetries?: number;
  headers?: Record<string, string>;
}

export interface OpenResponse {
  response: Response;
  /** Still running: its watchdog covers reading the body. Dispose of it when done. */
  attempt: Attempt;
}

/**
 * Sends a request and returns the first successful response. Retries (backoff with jitter,
 * honouring Retry-After) on network errors, timeouts, 408/409/429/5xx, and only before a
 * response arrived: once the body starts, a failure is the caller's to see.
 */
export async function send(
  config: TransportConfig,
  request: { method: "GET" | "POST"; path: string; body?: unknown; accept: string },
  options: RequestOptions,
  signal: AbortSignal,
): Promise<OpenResponse> {
  const url = `${config.baseURL.replace(/\/+$/, "")}${request.path}`;
  const headers: Record<string, string> = {
    accept: request.accept,
    ...config.defaultHeaders,
    ...options.headers,
  };
  if (config.apiKey) headers.authorization = `Bearer ${config.apiKey}`;
  if (request.body !== undefined) headers["content-type"] = "application/json";
  const body = request.body === undefined ? undefined : JSON.stringify(request.body);
  const maxRetries = options.maxRetries ?? config.maxRetries;

  for (let retry = 0; ; retry++) {
    const attempt = new Attempt(signal, options.timeout ?? config.timeout);
    attempt.arm();
    let response: Response | undefined;
    let failure: ThinkgateError;
    try {
      response = await config.fetch(url, {
        method: request.method,
        headers,
        body,
        signal: attempt.signal,
      });
      if (response.ok) return { response, attempt };
      failure = await errorFromResponse(response);
    } catch (error) {
      failure = attempt.errorFor(error);
    }
    attempt.dispose();
    const retryable = response ? isRetryableStatus(response.status) : true;
    if (failure instanceof APIUserAbortError || !retryable || retry >= maxRetries) throw failure;
    try {
      await sleep(retryDelayMs(retry, response?.headers), signal);
    } catch {
      throw attempt.errorFor(undefined);
    }
  }
}
