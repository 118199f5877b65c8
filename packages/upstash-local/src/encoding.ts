// How Upstash writes a Redis reply into JSON. With `Upstash-Encoding: base64` every string (bulk
// and status replies alike) is base64 of its bytes, so binary values survive JSON; integers and
// nulls stay as they are, and arrays are encoded element by element.

export type Encoding = "base64" | "utf8";

export function encodeReply(value: unknown, encoding: Encoding): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (Buffer.isBuffer(value)) {
    return encoding === "base64" ? value.toString("base64") : value.toString("utf8");
  }
  if (typeof value === "string") {
    return encoding === "base64" ? Buffer.from(value, "utf8").toString("base64") : value;
  }
  if (Array.isArray(value)) return value.map((item) => encodeReply(item, encoding));
  // ioredis turns HGETALL's flat reply into an object; Upstash sends the flat array.
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value as object);
  return entries.flatMap(([field, item]) => [
    encodeReply(String(field), encoding),
    encodeReply(item, encoding),
  ]);
}

/** Upstash reports errors as the Redis error text, e.g. "ERR unknown command 'nope'". */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
