import { ApiError } from "../errors/api-error.js";

/** An upstream failure before its first byte, as the client would see it. */
export interface UpstreamFailure {
  error: ApiError;
  /** Worth trying the next target (connect error, timeout, 429, 5xx, a misconfigured backend). */
  retryable: boolean;
}

// What the upstream says goes to the client only after scrubbing: no URLs (internal hosts,
// vendor help links), nothing that looks like a key, and never more than a sentence or two.
function scrub(text: string): string {
  return text
    .replace(/https?:\/\/\S+/g, "[url]")
    .replace(/\b(sk|tg|key)[-_][A-Za-z0-9_-]{6,}/gi, "[redacted]")
    .replace(/Bearer\s+\S+/gi, "Bearer [redacted]")
    .trim()
    .slice(0, 300);
}

function upstreamMessage(text: string): { message: string | null; code: string | null } {
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    const err = (
      typeof json.error === "object" && json.error !== null ? json.error : json
    ) as Record<string, unknown>;
    const message = typeof err.message === "string" ? scrub(err.message) : null;
    const code = typeof err.code === "string" && /^[\w.-]{1,64}$/.test(err.code) ? err.code : null;
    return { message, code };
  } catch {
    return { message: null, code: null };
  }
}

function failure(
  status: number,
  message: string,
  type: string,
  code: string,
  headers?: Record<string, string>,
) {
  return new ApiError(status, { message, type, param: null, code }, headers);
}

/** Maps an upstream HTTP error to the gateway's answer. `backend` is our name, not its URL. */
export function mapUpstreamStatus(
  status: number,
  bodyText: string,
  retryAfter: string | null,
  backend: string,
): UpstreamFailure {
  const upstream = upstreamMessage(bodyText);
  if (status === 400 || status === 413 || status === 422) {
    const detail = upstream.message ?? "the request was rejected";
    return {
      error: failure(
        400,
        `Upstream ${backend} rejected the request: ${detail}`,
        "invalid_request_error",
        upstream.code ?? "upstream_bad_request",
      ),
      retryable: false,
    };
  }
  if (status === 401 || status === 403) {
    // The client's key was fine; the gateway's credentials for this backend were not.
    return {
      error: failure(
        502,
        `Upstream ${backend} refused the gateway's credentials.`,
        "upstream_error",
        "upstream_auth_failed",
      ),
      retryable: true,
    };
  }
  if (status === 404) {
    return {
      error: failure(
        502,
        `Upstream ${backend} does not serve the configured model.`,
        "upstream_error",
        "upstream_model_not_found",
      ),
      retryable: true,
    };
  }
  if (status === 408) {
    return {
      error: failure(504, `Upstream ${backend} timed out.`, "upstream_error", "upstream_timeout"),
      retryable: true,
    };
  }
  if (status === 429) {
    const seconds = Number(retryAfter);
    const headers = {
      "retry-after": String(Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : 1),
    };
    return {
      error: failure(
        429,
        `Upstream ${backend} is rate limited; retry later.`,
        "rate_limit_error",
        "upstream_rate_limited",
        headers,
      ),
      retryable: true,
    };
  }
  if (status === 503) {
    return {
      error: failure(
        503,
        `Upstream ${backend} is unavailable.`,
        "upstream_error",
        "upstream_unavailable",
      ),
      retryable: true,
    };
  }
  if (status === 504) {
    return {
      error: failure(504, `Upstream ${backend} timed out.`, "upstream_error", "upstream_timeout"),
      retryable: true,
    };
  }
  if (status >= 500) {
    return {
      error: failure(
        502,
        `Upstream ${backend} failed (HTTP ${status}).`,
        "upstream_error",
        "upstream_error",
      ),
      retryable: true,
    };
  }
  return {
    error: failure(
      502,
      `Upstream ${backend} answered HTTP ${status}.`,
      "upstream_error",
      "upstream_error",
    ),
    retryable: false,
  };
}

export function unreachable(backend: string): UpstreamFailure {
  return {
    error: failure(
      502,
      `Upstream ${backend} could not be reached.`,
      "upstream_error",
      "upstream_unreachable",
    ),
    retryable: true,
  };
}

export function firstByteTimeout(backend: string, ms: number): UpstreamFailure {
  return {
    error: failure(
      504,
      `Upstream ${backend} sent nothing within ${ms} ms.`,
      "upstream_error",
      "upstream_timeout",
    ),
    retryable: true,
  };
}

export function noTargets(model: string): ApiError {
  return failure(
    403,
    `No backend this API key may use serves the model '${model}'.`,
    "permission_error",
    "no_allowed_backend",
  );
}

export function notAStream(backend: string, bodyText: string): UpstreamFailure {
  const { message, code } = upstreamMessage(bodyText);
  const detail = message ? `: ${message}` : "";
  return {
    error: failure(
      502,
      `Upstream ${backend} answered without streaming${detail}`,
      "upstream_error",
      code ?? "upstream_error",
    ),
    retryable: true,
  };
}
