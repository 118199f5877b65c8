// One error base class with what a caller needs to react (status, code, type, request id) and
// a subclass per status family, so `catch (e) { if (e instanceof RateLimitError) … }` reads well.

/** The OpenAI-style error object servers send in `{"error": …}` bodies and in-band events. */
export interface ErrorObject {
  message: string;
  type?: string | null;
  param?: string | null;
  code?: string | null;
}

export interface ThinkgateErrorInit {
  status?: number | undefined;
  error?: Partial<ErrorObject> | undefined;
  headers?: Headers | undefined;
  cause?: unknown;
}

// Every class names itself with a string literal: minifiers rename classes, and `error.name`
// must still say "RateLimitError" in a minified app.
export class ThinkgateError extends Error {
  override name = "ThinkgateError";
  /** HTTP status; undefined for errors without a response (connection, timeout, abort, in-band). */
  readonly status: number | undefined;
  readonly code: string | null;
  readonly type: string | null;
  readonly param: string | null;
  /** `x-request-id` of the response, to quote when reporting a problem. */
  readonly requestId: string | null;
  readonly headers: Headers | undefined;

  constructor(message: string, init: ThinkgateErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    // Some servers send numbers here (vLLM's `"code": 500`): keep the documented string type.
    this.code = stringOrNull(init.error?.code);
    this.type = stringOrNull(init.error?.type);
    this.param = stringOrNull(init.error?.param);
    this.headers = init.headers;
    this.requestId = init.headers?.get("x-request-id") ?? null;
  }
}

export class BadRequestError extends ThinkgateError {
  override name = "BadRequestError";
}
export class AuthenticationError extends ThinkgateError {
  override name = "AuthenticationError";
}
export class PermissionDeniedError extends ThinkgateError {
  override name = "PermissionDeniedError";
}
export class NotFoundError extends ThinkgateError {
  override name = "NotFoundError";
}
export class ConflictError extends ThinkgateError {
  override name = "ConflictError";
}
export class InternalServerError extends ThinkgateError {
  override name = "InternalServerError";
}

export class RateLimitError extends ThinkgateError {
  override name = "RateLimitError";
  /** Seconds the server asked to wait (`Retry-After`), if it said. */
  readonly retryAfter: number | undefined;
  constructor(message: string, init: ThinkgateErrorInit = {}) {
    super(message, init);
    this.retryAfter = parseRetryAfter(init.headers?.get("retry-after") ?? null);
  }
}

/** The server could not be reached, or the connection broke before a response. */
export class APIConnectionError extends ThinkgateError {
  override name = "APIConnectionError";
}
/** `timeout` elapsed: waiting for the response, or between two chunks of a stream. */
export class APITimeoutError extends APIConnectionError {
  override name = "APITimeoutError";
  constructor(message = "Request timed out.", init: ThinkgateErrorInit = {}) {
    super(message, init);
  }
}
/** The caller aborted: an `AbortSignal` fired, `stream.abort()`, or a `break` out of the loop. */
export class APIUserAbortError extends ThinkgateError {
  override name = "APIUserAbortError";
  constructor(message = "Request was aborted.", init: ThinkgateErrorInit = {}) {
    super(message, init);
  }
}

/** The class for an HTTP status (or an in-band error that names one). */
export function errorFor(
  status: number | undefined,
  error: Partial<ErrorObject> | undefined,
  headers?: Headers,
): ThinkgateError {
  const message =
    error?.message || (status ? `HTTP ${status} with no error message` : "Stream failed");
  const init = { status, error, headers };
  if (status === undefined) return new ThinkgateError(message, init);
  if (status === 400 || status === 413 || status === 422) return new BadRequestError(message, init);
  if (status === 401) return new AuthenticationError(message, init);
  if (status === 403) return new PermissionDeniedError(message, init);
  if (status === 404) return new NotFoundError(message, init);
  if (status === 409) return new ConflictError(message, init);
  if (status === 429) return new RateLimitError(message, init);
  if (status >= 500) return new InternalServerError(message, init);
  return new ThinkgateError(message, init);
}

/** An error response → the matching error; tolerates bodies that are not OpenAI-shaped. */
export async function errorFromResponse(response: Response): Promise<ThinkgateError> {
  const text = await response.text().catch(() => "");
  let error: Partial<ErrorObject> | undefined;
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    if (body && typeof body.error === "object" && body.error !== null) {
      error = body.error as Partial<ErrorObject>;
    } else if (typeof body?.error === "string") {
      error = { message: body.error };
    } else if (typeof body?.message === "string") {
      error = { message: body.message };
    }
  } catch {
    if (text) error = { message: text.slice(0, 500) };
  }
  return errorFor(response.status, error, response.headers);
}

/** `Retry-After` as seconds: a number of seconds or an HTTP date; undefined if absent or bad. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds : undefined;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, (date - now) / 1000);
}

function stringOrNull(value: unknown): string | null {
  return value === undefined || value === null ? null : String(value);
}
