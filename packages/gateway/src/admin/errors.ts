import type { z } from "zod";
import { ApiError, errors } from "../errors/api-error.js";

// The admin API's errors, in the gateway's OpenAI shape.

export function invalid(error: z.ZodError): ApiError {
  const issue = error.issues[0];
  const param = issue?.path.join(".") || null;
  const message = issue ? `${param ? `${param}: ` : ""}${issue.message}` : "Invalid request.";
  return errors.badRequest(message, param);
}

export const adminErrors = {
  unauthorized: (message: string) => errors.unauthorized(message),
  keyNotFound: (id: string) =>
    new ApiError(404, {
      message: `No API key with id '${id}'.`,
      type: "invalid_request_error",
      param: "id",
      code: "key_not_found",
    }),
  configKey: (id: string) =>
    new ApiError(409, {
      message: `The key '${id}' comes from the config file; change it there.`,
      type: "invalid_request_error",
      param: "id",
      code: "config_key",
    }),
  otherTenant: () =>
    new ApiError(403, {
      message: "An API key can read only its own tenant's usage.",
      type: "permission_error",
      param: "tenant",
      code: "tenant_forbidden",
    }),
};
