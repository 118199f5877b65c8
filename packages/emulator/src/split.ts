/**
 * Splits `text` into `count` pieces of near-equal length, never inside a code point (a lone
 * surrogate would not survive JSON). Fewer pieces when the text has fewer code points.
 */
export function splitText(text: string, count: number): string[] {
  if (text === "") return [];
  const points = Array.from(text);
  const n = Math.max(1, Math.min(Math.floor(count), points.length));
  const pieces: string[] = [];
  for (let i = 0; i < n; i++) {
    const start = Math.floor((i * points.length) / n);
    const end = Math.floor(((i + 1) * points.length) / n);
    pieces.push(points.slice(start, end).join(""));
  }
  return pieces;
}

/** Repeats a default text until it has at least `minPoints` code points (growth benchmarks). */
export function stretch(text: string, minPoints: number): string {
  const length = Array.from(text).length;
  if (length >= minPoints) return text;
  const copies = Math.ceil(minPoints / (length + 1));
  return Array.from({ length: copies }, () => text).join(" ");
}

/**
 * Serializes like Python's json.dumps(ensure_ascii=False): ", " and ": " separators. Hermes tool
 * calls and vLLM's streamed arguments are produced by Python, so they look like this on the wire.
 */
export function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(
      ([, v]) => v !== undefined,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`).join(", ")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
