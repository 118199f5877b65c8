import { ThinkgateError } from "./errors.js";
import { linkSignal } from "./link-signal.js";
import { type RequestOptions, send, type TransportConfig } from "./transport.js";

export interface Model {
  id: string;
  object: "model";
  created?: number;
  owned_by?: string;
  [k: string]: unknown;
}

export class Models {
  readonly #config: TransportConfig;

  constructor(config: TransportConfig) {
    this.#config = config;
  }

  /** The models this key may use. */
  async list(options: RequestOptions = {}): Promise<Model[]> {
    const controller = new AbortController();
    linkSignal(options.signal, controller);
    try {
      const { response, attempt } = await send(
        this.#config,
        { method: "GET", path: "/models", accept: "application/json" },
        options,
        controller.signal,
      );
      try {
        return await readModels(response);
      } catch (error) {
        throw error instanceof ThinkgateError ? error : attempt.errorFor(error);
      } finally {
        attempt.dispose();
      }
    } finally {
      controller.abort(); // detaches the link to the caller's signal
    }
  }
}

async function readModels(response: Response): Promise<Model[]> {
  const invalid = (what: string) =>
    new ThinkgateError(`GET /models answered ${what}.`, {
      status: response.status,
      headers: response.headers,
      error: { type: "invalid_response_error", code: "invalid_response" },
    });
  let body: { data?: unknown };
  try {
    body = (await response.json()) as { data?: unknown };
  } catch (error) {
    if (error instanceof SyntaxError) throw invalid("with invalid JSON");
    throw error;
  }
  if (!Array.isArray(body?.data)) throw invalid("without a data array");
  return body.data as Model[];
}
