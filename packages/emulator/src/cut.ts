import type { ServerResponse } from "node:http";

/** Responses the emulator cut itself (spec.cut): their closing is not the client's doing. */
const cut = new WeakSet<ServerResponse>();

/**
 * Drops the connection mid-response: no terminating chunk, no [DONE], as when a backend dies.
 * What was written before still reaches the client: the socket is destroyed only once its
 * earlier writes were handed to the kernel (http corks them until the next tick).
 */
export function cutConnection(res: ServerResponse): void {
  cut.add(res);
  const socket = res.socket;
  if (!socket) return;
  setImmediate(() => {
    if (socket.destroyed) return;
    socket.write("", () => socket.destroy());
  });
}

export const wasCut = (res: ServerResponse): boolean => cut.has(res);
