import type { BackendConfig } from "../config/schema.js";
import { ApiError } from "../errors/api-error.js";
import type { RequestBody } from "./types.js";

/**
 * What a backend accepts from a client's request, beyond what the schema checks: tenants share
 * the boxes, and a self-hosted server does what it is told. vLLM, SGLang and llama.cpp fetch
 * media URLs themselves (from inside the GPU network: an SSRF), run a request's `chat_template`
 * as Jinja, and compile a request's regexes and grammars (engine crashes have come that way).
 * Resolved once per backend; checking a request is one pass over its fields and message parts.
 */
export interface RequestPolicy {
  /** Only these top-level fields (plus those the gateway itself sets); null: any not denied. */
  allowFields: ReadonlySet<string> | null;
  denyFields: ReadonlySet<string>;
  /** Content-part types a message may carry. */
  contentParts: ReadonlySet<string>;
  /** Hosts an http(s) media URL may name; `*` any. `data:` URLs are always fine. */
  mediaHosts: ReadonlySet<string>;
}

// Fields the gateway reads or sets itself: never refused by an allowlist.
const gatewayFields = new Set([
  "model",
  "messages",
  "stream",
  "stream_options",
  "reasoning_format",
]);

export function requestPolicy(config: BackendConfig["policy"]): RequestPolicy {
  return {
    allowFields: config.allowFields ? new Set(config.allowFields) : null,
    denyFields: new Set(config.denyFields),
    contentParts: new Set(config.contentParts),
    mediaHosts: new Set(config.mediaHosts.map((h) => h.toLowerCase())),
  };
}

/** Throws a 400 in OpenAI's shape, naming the parameter, when the request breaks the policy. */
export function enforceRequestPolicy(body: RequestBody, policy: RequestPolicy): void {
  for (const field in body) {
    if (!Object.hasOwn(body, field) || body[field] === undefined) continue;
    if (
      policy.denyFields.has(field) ||
      (policy.allowFields && !gatewayFields.has(field) && !policy.allowFields.has(field))
    ) {
      throw refused(`This model does not accept the parameter '${field}'.`, field);
    }
  }
  const messages = body.messages;
  if (!Array.isArray(messages)) return;
  for (let i = 0; i < messages.length; i++) {
    const content = (messages[i] as { content?: unknown } | null)?.content;
    if (!Array.isArray(content)) continue;
    for (let j = 0; j < content.length; j++) {
      checkPart(content[j], `messages[${i}].content[${j}]`, policy);
    }
  }
}

function checkPart(part: unknown, at: string, policy: RequestPolicy): void {
  if (typeof part !== "object" || part === null) return;
  const type = (part as { type?: unknown }).type;
  if (typeof type !== "string") return;
  if (!policy.contentParts.has(type)) {
    throw refused(`This model does not accept content parts of type '${type}'.`, `${at}.type`);
  }
  if (type === "text") return;
  // image_url, video_url, audio_url…: `{ url }` or a bare string under the type's own name.
  const media = (part as Record<string, unknown>)[type];
  const url =
    typeof media === "string"
      ? media
      : typeof media === "object" && media !== null
        ? (media as { url?: unknown }).url
        : undefined;
  if (typeof url !== "string") return;
  if (!urlAllowed(url, policy.mediaHosts)) {
    throw refused(
      "This model accepts media only as data: URLs or from the hosts its operator allows.",
      `${at}.${type}.url`,
    );
  }
}

function urlAllowed(url: string, hosts: ReadonlySet<string>): boolean {
  if (/^data:/i.test(url)) return true;
  if (hosts.size === 0) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return false;
  return hosts.has("*") || hosts.has(parsed.hostname.toLowerCase());
}

function refused(message: string, param: string): ApiError {
  return new ApiError(400, {
    message,
    type: "invalid_request_error",
    param,
    code: "unsupported_parameter",
  });
}
