export { type NodeTransport, type NodeTransportOptions, nodeTransport } from "./transport.js";
