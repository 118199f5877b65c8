import { ApiError } from "../errors/api-error.js";

// What "the store is down" looks like to the rest of the gateway: one error type, an ApiError
// (so the app's error handler answers 503 in OpenAI's shape), whichever store and whatever
// failed inside it.

export class StoreUnavailableError extends ApiError {
  constructor(
    readonly operation: string,
    cause: unknown,
  ) {
    super(
      503,
      {
        message: "The gateway's key and limit store is unavailable; try again shortly.",
        type: "server_error",
        param: null,
        code: "store_unavailable",
      },
      { "retry-after": "1" },
    );
    this.name = "StoreUnavailableError";
    this.cause = cause;
  }
}

/**
 * Runs one store call with a deadline: a store that does not answer in time is as down as one
 * that refuses the connection. Any failure becomes a StoreUnavailableError.
 */
export async function storeCall<T>(
  operation: string,
  timeoutMs: number,
  call: () => Promise<T>,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([call(), deadline]);
  } catch (error) {
    throw error instanceof StoreUnavailableError
      ? error
      : new StoreUnavailableError(operation, error);
  } finally {
    clearTimeout(timer);
  }
}
