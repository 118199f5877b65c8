import { specProblem } from "./spec-check.js";

/** What one request should answer and how it should fail. Rides inside the last user message. */
export interface EmuSpec {
  reasoning?: string; // default: DEFAULT_REASONING
  content?: string; // default: DEFAULT_CONTENT
  chunks?: number; // pieces per part (reasoning, answer), default 8; tags split mid-tag
  toolCall?: { name: string; arguments: Record<string, unknown> };
  status?: number; // answer with this HTTP error status and the dialect's error body
  retryAfter?: number; // seconds, sent as Retry-After with the status
  hang?: "headers" | number; // never send headers, or stall forever after N data events
  cut?: number; // destroy the socket after N data events
  errorEvent?: number; // after N data events send the dialect's in-band error event and close
  keepAlive?: boolean; // interleave SSE comments (": keep-alive")
  crlf?: boolean; // CRLF line endings
  noUsage?: boolean; // never report usage
  usage?: { prompt: number; completion: number; reasoning?: number };
  // Addition to the contract: the token budget ran out mid-thought. Only reasoning is sent (no
  // closing tag, answer or tool call) and finish_reason is "length".
  truncated?: boolean;
  // Addition to the contract: a heartbeat. ": keep-alive" comments every this many ms for as long
  // as the stream is open, stalls (hang: N) included: a backend alive in bytes, dead in data.
  keepAliveEveryMs?: number;
  // Additions to the contract, each overriding the emulator's option of the same name.
  firstByteDelayMs?: number;
  chunkDelayMs?: number;
  splitUtf8?: boolean; // default true; the split costs a ~2 ms pause when nothing is paced
}

// Multi-byte characters on purpose: every default stream exercises UTF-8 splitting.
export const DEFAULT_REASONING =
  "Okay, the user wants a short answer. Let me think it through step by step — first the facts, then the wording. 思考完毕, so I can reply.";
export const DEFAULT_CONTENT = "The answer is 42. Voilà ✓";

const MARKER = "[[emu:";
const DIRECTIVE = /\[\[emu:([A-Za-z0-9_-]*)\]\]/;

/**
 * Builds the text of a user message carrying `spec`. base64url keeps it free of quotes,
 * backslashes and newlines, so it survives JSON transport and any gateway forwards it untouched.
 */
export function emuPrompt(spec: EmuSpec = {}): string {
  const encoded = Buffer.from(JSON.stringify(spec), "utf8").toString("base64url");
  return `Emulator directive ${MARKER}${encoded}]]`;
}

export type DirectiveResult = { ok: true; spec: EmuSpec } | { ok: false; message: string };

/** Finds and decodes the directive in the last user message; no directive → the default spec. */
export function readDirective(body: unknown): DirectiveResult {
  const text = lastUserText(body);
  const match = text === undefined ? null : DIRECTIVE.exec(text);
  if (!match) return { ok: true, spec: {} };
  try {
    const spec: unknown = JSON.parse(Buffer.from(match[1] ?? "", "base64url").toString("utf8"));
    if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
      return { ok: false, message: "emulator directive is not a JSON object" };
    }
    const problem = specProblem(spec as Record<string, unknown>);
    return problem ? { ok: false, message: problem } : { ok: true, spec: spec as EmuSpec };
  } catch {
    return { ok: false, message: "emulator directive is not valid base64url JSON" };
  }
}

function lastUserText(body: unknown): string | undefined {
  const messages = (body as { messages?: unknown })?.messages;
  if (!Array.isArray(messages)) return undefined;
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i] as { role?: unknown; content?: unknown } | null;
    if (message?.role !== "user") continue;
    if (typeof message.content === "string") return message.content;
    if (Array.isArray(message.content)) {
      return message.content
        .map((part: { text?: unknown }) => (typeof part?.text === "string" ? part.text : ""))
        .join("\n");
    }
    return undefined;
  }
  return undefined;
}
