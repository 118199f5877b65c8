/** A config that cannot be used. The message names the field and what was expected. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** `backends["gpu-box"].baseUrl`, `keys[0].models[1]`: a path one can find in the file. */
export function formatPath(path: PropertyKey[]): string {
  if (path.length === 0) return "(root)";
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (typeof part === "string" && /^[A-Za-z_$][\w$]*$/.test(part))
      out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out;
}
