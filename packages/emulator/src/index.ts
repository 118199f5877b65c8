export { DIALECTS } from "./dialects/index.js";
export type { Dialect } from "./dialects/types.js";
export { startEmulator } from "./server.js";
export { DEFAULT_CONTENT, DEFAULT_REASONING, type EmuSpec, emuPrompt } from "./spec.js";
export type { EmulatedRequest, Emulator, EmulatorOptions } from "./types.js";
