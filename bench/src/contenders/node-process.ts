import type { Child } from "../processes/child.js";
import { Inspector } from "../processes/inspector.js";
import type { Contender } from "./types.js";

/**
 * What a contender that is one Node process offers the suite: its pid (memory and CPU), the
 * exceptions it logged, a DevTools session (a GC before each memory reading), and a stop.
 */
export function nodeProcess(
  child: Child,
  logFile: string,
): Pick<Contender, "memoryPids" | "exceptions" | "inspect" | "stop"> {
  return {
    memoryPids: () => [child.pid],
    exceptions: () => child.exceptions(),
    inspect: () => Inspector.open(child, logFile),
    stop: () => child.stop(),
  };
}
