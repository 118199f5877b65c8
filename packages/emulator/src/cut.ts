import type { ServerResponse } from "node:http";

/** Responses the emulator cut itself (spec.cut): their closing is not the client's doing. */
const cut = new WeakSet<ServerResponse>();

/** Drops the connection mid-response: no terminating chunk, no [DONE], as when a backend dies. */
export function cutConnection(res: ServerResponse): void {
  cut.add(res);
  res.socket?.destroy();
}

export const wasCut = (res: ServerResponse): boolean => cut.has(res);
