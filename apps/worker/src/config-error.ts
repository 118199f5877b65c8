import { ApiError } from "@thinkgate/gateway";

/**
 * What clients see while the Worker's config cannot be used. The details (field names, missing
 * variables) go to the Worker's logs only: they describe the operator's setup, not the request.
 */
export function misconfigured(): ApiError {
  return new ApiError(500, {
    message: "The gateway is misconfigured; its operator can find the reason in the Worker's logs.",
    type: "server_error",
    param: null,
    code: "gateway_misconfigured",
  });
}
