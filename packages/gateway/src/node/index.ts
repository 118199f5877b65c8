export type { DirectBody } from "../http/client.js";
export { type NodeTransport, type NodeTransportOptions, nodeTransport } from "./transport.js";
