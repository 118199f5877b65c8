import type { ErrorBody, StreamEvent } from "@thinkgate/core";
import { ApiError } from "../errors/api-error.js";
import { retryAfterMs } from "./retry-after.js";
import { scrubUpstreamText } from "./scrub.js";

/** An upstream failure before its first byte, as the client would see it. */
export interface UpstreamFailure {
  error: ApiError;
  /** Worth trying the next target (connect error, timeout, 429, 5xx, a misconfigured backend). */
  retryable: boolean;
  /** For the operator's log: what the upstream said, credentials removed, hosts and paths kept. */
  detail?: string;
  /**
   * The request itself may have caused it: a 500, a stream that opened with an error (a
   * prompt that crashes the engine), nothing before the first-byte timeout (a prompt whose
   * prefill outlasts it). The failover decides whom to blame (router/failover.ts).
   */
  ambiguous?: boolean;
}

/** What an upstream said went wrong: an HTTP error body, or an error in its stream. */
export interface UpstreamReport {
  /** Its HTTP status, or the status its in-band error named; absent when it named none. */
  status: number | undefined;
  /** Its message, unscrubbed. */
  message: string | null;
  /** Its code, unvetted. */
  code: unknown;
  retryAfter?: string | null | undefined;
  /** It came in a 200's stream: a generic failure is then `upstream_stream_error`. */
  inStream?: boolean;
}

interface Rule {
  status: number;
  type: string;
  code: string;
  /** The gateway's sentence; the upstream's scrubbed message follows it when `detail`. */
  says: (backend: string, upstreamStatus: number | undefined) => string;
  /** The upstream's own message is worth showing (scrubbed). */
  detail: boolean;
  /** The upstream's own code, when it is a plain identifier, replaces `code`. */
  upstreamCode: boolean;
  retryable: boolean;
}

const rejected: Rule = {
  status: 400,
  type: "invalid_request_error",
  code: "upstream_bad_request",
  says: (b) => `Upstream ${b} rejected the request`,
  detail: true,
  upstreamCode: true,
  retryable: false,
};
// The client's key was fine; the gateway's credentials for this backend were not. An upstream
// never picks the client's 401/403: its SDK would tell the tenant its own key is bad.
const credentials: Rule = {
  status: 502,
  type: "upstream_error",
  code: "upstream_auth_failed",
  says: (b) => `Upstream ${b} refused the gateway's credentials.`,
  detail: false,
  upstreamCode: false,
  retryable: true,
};
const timedOut: Rule = {
  status: 504,
  type: "upstream_error",
  code: "upstream_timeout",
  says: (b) => `Upstream ${b} timed out.`,
  detail: false,
  upstreamCode: false,
  retryable: true,
};

/** Upstream status → the gateway's answer. Unlisted: 5xx are `serverError`, the rest `other`. */
const rules: Readonly<Record<number, Rule>> = {
  400: rejected,
  413: rejected,
  422: rejected,
  401: credentials,
  403: credentials,
  404: {
    status: 502,
    type: "upstream_error",
    code: "upstream_model_not_found",
    says: (b) => `Upstream ${b} does not serve the configured model.`,
    detail: false,
    upstreamCode: false,
    retryable: true,
  },
  408: timedOut,
  429: {
    status: 429,
    type: "rate_limit_error",
    code: "upstream_rate_limited",
    says: (b) => `Upstream ${b} is rate limited; retry later.`,
    detail: false,
    upstreamCode: false,
    retryable: true,
  },
  503: {
    status: 503,
    type: "upstream_error",
    code: "upstream_unavailable",
    says: (b) => `Upstream ${b} is unavailable.`,
    detail: false,
    upstreamCode: false,
    retryable: true,
  },
  504: timedOut,
};
const serverError: Rule = {
  status: 502,
  type: "upstream_error",
  code: "upstream_error",
  says: (b, s) => `Upstream ${b} failed (HTTP ${s}).`,
  detail: true,
  upstreamCode: false,
  retryable: true,
};
const other: Rule = {
  status: 502,
  type: "upstream_error",
  code: "upstream_error",
  says: (b, s) => `Upstream ${b} answered HTTP ${s}.`,
  detail: false,
  upstreamCode: false,
  retryable: false,
};
// An error in the stream that names no status: the upstream broke while answering.
const inStream: Rule = {
  status: 502,
  type: "upstream_error",
  code: "upstream_stream_error",
  says: (b) => `Upstream ${b} reported an error.`,
  detail: true,
  upstreamCode: true,
  retryable: true,
};

function ruleFor(status: number | undefined): Rule {
  if (status === undefined) return inStream;
  return rules[status] ?? (status >= 500 ? serverError : other);
}

const plainCode = /^[A-Za-z][\w.-]{0,63}$/;

/**
 * The gateway's answer to an upstream failure, HTTP or in-band alike: status, type and code
 * from the table, the upstream's message only scrubbed (scrub.ts) and only where it helps the
 * client, and a 429's Retry-After in seconds (delta or HTTP date; 1 when it gave none).
 */
export function mapUpstreamFailure(
  report: UpstreamReport,
  backend: string,
  now = Date.now(),
): UpstreamFailure {
  const rule = ruleFor(report.status);
  let message = rule.says(backend, report.status);
  const detail = rule.detail && report.message ? scrubUpstreamText(report.message) : "";
  if (detail) message = `${message.replace(/\.$/, "")}: ${detail}`;
  else if (!message.endsWith(".")) message += ".";
  const code =
    rule.upstreamCode &&
    typeof report.code === "string" &&
    plainCode.test(report.code) &&
    scrubUpstreamText(report.code) === report.code
      ? report.code
      : report.inStream && rule.code === "upstream_error"
        ? "upstream_stream_error"
        : rule.code;
  let headers: Record<string, string> | undefined;
  if (rule.status === 429) {
    const ms = retryAfterMs(report.retryAfter, now);
    headers = { "retry-after": String(ms !== null && ms > 0 ? Math.ceil(ms / 1000) : 1) };
  }
  const failed: UpstreamFailure = {
    error: new ApiError(rule.status, { message, type: rule.type, param: null, code }, headers),
    retryable: rule.retryable,
  };
  if (report.message) failed.detail = scrubUpstreamText(report.message, { secretsOnly: true });
  if (
    rule.retryable &&
    (rule === inStream || (rule === serverError && (report.inStream || report.status === 500)))
  )
    failed.ambiguous = true;
  return failed;
}

function upstreamMessage(text: string): { message: string | null; code: unknown } {
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    const err = (
      typeof json.error === "object" && json.error !== null ? json.error : json
    ) as Record<string, unknown>;
    return { message: typeof err.message === "string" ? err.message : null, code: err.code };
  } catch {
    return { message: null, code: null };
  }
}

/** Maps an upstream HTTP error to the gateway's answer. `backend` is our name, not its URL. */
export function mapUpstreamStatus(
  status: number,
  bodyText: string,
  retryAfter: string | null,
  backend: string,
): UpstreamFailure {
  return mapUpstreamFailure({ status, ...upstreamMessage(bodyText), retryAfter }, backend);
}

/**
 * An error event the upstream put in its stream (`{"error": …}`, `event: error`), as the
 * client may see it: mapped like an HTTP status (its `code`/`status` number), scrubbed.
 */
export function mapInBandError(
  error: ErrorBody,
  status: number | undefined,
  backend: string,
): UpstreamFailure {
  return mapUpstreamFailure(
    { status, message: error.message, code: error.code, inStream: true },
    backend,
  );
}

type ErrorEvent = Extract<StreamEvent, { type: "error" }>;

/**
 * An error event as the client may see it: the upstream's own (`fromUpstream`) mapped and
 * scrubbed by `mapInBandError`; the gateway's own as it is. A status the upstream did not name
 * stays unnamed (a 5xx is worth resuming elsewhere, a model's own refusal is not).
 */
export function clientErrorEvent(ev: ErrorEvent, backend: string): ErrorEvent {
  if (!ev.fromUpstream) return ev;
  const { error } = mapInBandError(ev.error, ev.status, backend);
  const out: ErrorEvent = { type: "error", error: error.body };
  if (ev.status !== undefined) out.status = error.status;
  const retryAfter = error.headers?.["retry-after"];
  if (retryAfter !== undefined) out.retryAfter = Number(retryAfter);
  return out;
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
    ambiguous: true,
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

/** Asked to stream, it answered one JSON document: an error, whatever its status said. */
export function notAStream(backend: string, bodyText: string): UpstreamFailure {
  const { message, code } = upstreamMessage(bodyText);
  const status = inBandStatus(bodyText);
  if (status !== undefined) return mapUpstreamFailure({ status, message, code }, backend);
  const detail = message ? `: ${scrubUpstreamText(message)}` : ".";
  const safeCode = typeof code === "string" && plainCode.test(code) ? code : "upstream_error";
  return {
    error: failure(
      502,
      `Upstream ${backend} answered without streaming${detail}`,
      "upstream_error",
      scrubUpstreamText(safeCode) === safeCode ? safeCode : "upstream_error",
    ),
    retryable: true,
  };
}

/** The HTTP status an error document names in its `code` or `status`, if any. */
function inBandStatus(text: string): number | undefined {
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    const err = (
      typeof json.error === "object" && json.error !== null ? json.error : json
    ) as Record<string, unknown>;
    for (const v of [err.code, err.status]) {
      if (typeof v === "number" && Number.isInteger(v) && v >= 400 && v <= 599) return v;
    }
  } catch {
    // not JSON: no status to read
  }
  return undefined;
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
