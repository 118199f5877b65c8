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
    const { response, attempt } = await send(
      this.#config,
      { method: "GET", path: "/models", accept: "application/json" },
      options,
      controller.signal,
    );
    try {
      const body = (await response.json()) as { data?: unknown };
      if (!Array.isArray(body?.data)) {
        throw new ThinkgateError("GET /models answered without a data array.", {
          status: response.status,
          headers: response.headers,
          error: { type: "invalid_response_error", code: "invalid_response" },
        });
      }
      return body.data as Model[];
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw attempt.errorFor(error);
      throw new ThinkgateError("GET /models answered with invalid JSON.", {
        status: response.status,
        headers: response.headers,
        error: { type: "invalid_response_error", code: "invalid_response" },
      });
    } finally {
      attempt.dispose();
      controller.abort(); // detaches the link to the caller's signal
    }
  }
}
