import type { ErrorBody } from "@thinkgate/core";

/**
 * Every error the gateway answers with, in OpenAI's shape. Thrown anywhere in the pipeline and
 * turned into a response by the app's error handler, so no step writes error JSON itself.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly body: ErrorBody;
  readonly headers: Record<string, string> | undefined;

  constructor(status: number, body: ErrorBody, headers?: Record<string, string>) {
    super(body.message);
    this.name = "ApiError";
    this.status = status;
    this.body = body;
    this.headers = headers;
  }

  toResponse(): Response {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.headers) Object.assign(headers, this.headers);
    return new Response(JSON.stringify({ error: this.body }), { status: this.status, headers });
  }
}

function body(message: string, type: string, code: string | null, param: string | null = null) {
  return { message, type, param, code };
}

export const errors = {
  badRequest: (message: string, param: string | null = null, code = "invalid_request") =>
    new ApiError(400, body(message, "invalid_request_error", code, param)),
  unsupportedMediaType: (message: string) =>
    new ApiError(415, body(message, "invalid_request_error", "unsupported_media_type")),
  unauthorized: (message: string) =>
    new ApiError(401, body(message, "invalid_request_error", "invalid_api_key")),
  modelNotAllowed: (model: string) =>
    new ApiError(
      403,
      body(
        `This API key may not use the model '${model}'.`,
        "permission_error",
        "model_not_allowed",
        "model",
      ),
    ),
  modelNotFound: (model: string) =>
    new ApiError(
      404,
      body(
        `The model '${model}' does not exist.`,
        "invalid_request_error",
        "model_not_found",
        "model",
      ),
    ),
  routeNotFound: (method: string, path: string) =>
    new ApiError(
      404,
      body(`Unknown route: ${method} ${path}`, "invalid_request_error", "not_found"),
    ),
  bodyTooLarge: (maxBytes: number) =>
    new ApiError(
      413,
      body(
        `Request body is larger than ${maxBytes} bytes.`,
        "invalid_request_error",
        "body_too_large",
      ),
    ),
  rateLimited: (message: string, retryAfterSeconds: number, headers: Record<string, string> = {}) =>
    new ApiError(429, body(message, "rate_limit_error", "rate_limit_exceeded"), {
      ...headers,
      "retry-after": String(Math.max(1, Math.ceil(retryAfterSeconds))),
    }),
  internal: () =>
    new ApiError(
      500,
      body("The gateway failed to handle the request.", "server_error", "internal_error"),
    ),
};
