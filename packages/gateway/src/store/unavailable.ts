import type { ErrorBody } from "@thinkgate/core";

// What "the store is down" looks like to the rest of the gateway: one error type, with the
// OpenAI-shaped body and status to answer with, whichever store and whatever failed inside it.

export class StoreUnavailableError extends Error {
  readonly status = 503;
  readonly body: ErrorBody;

  constructor(
    readonly operation: string,
    cause: unknown,
  ) {
    super(`store unavailable during ${operation}: ${String(cause)}`, { cause });
    this.name = "StoreUnavailableError";
    this.body = {
      message: "The gateway's key and limit store is unavailable; try again shortly.",
      type: "server_error",
      param: null,
      code: "store_unavailable",
    };
  }

  toResponse(headers: Record<string, string> = {}): Response {
    return new Response(JSON.stringify({ error: this.body }), {
      status: this.status,
      headers: { "content-type": "application/json", "retry-after": "1", ...headers },
    });
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
