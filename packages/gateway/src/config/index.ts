export { ConfigError } from "./error.js";
export { parseJsonText } from "./json-text.js";
export { parseConfig } from "./parse.js";
export type {
  BackendConfig,
  Config,
  ConfigInput,
  KeyConfig,
  ModelConfig,
  StoreConfig,
  TargetConfig,
} from "./schema.js";
