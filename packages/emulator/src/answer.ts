import { DEFAULT_CONTENT, DEFAULT_REASONING, type EmuSpec } from "./spec.js";
import { pythonJson, splitText, stretch } from "./split.js";

export interface UsageCounts {
  prompt: number;
  completion: number;
  reasoning?: number;
}

export interface ToolCallAnswer {
  id: string;
  name: string;
  arguments: string; // JSON text as the backend would print it
  argumentPieces: string[];
}

/** What a request answers, already cut into the pieces a stream sends. Dialect-independent. */
export interface Answer {
  reasoning: string; // full texts, for non-stream responses
  content: string;
  reasoningPieces: string[];
  contentPieces: string[];
  chunks: number; // pieces per part
  truncated: boolean; // ran out of tokens while thinking: no answer, finish_reason "length"
  toolCall?: ToolCallAnswer;
  usage: UsageCounts | null; // null: never report usage (noUsage)
}

const DEFAULT_CHUNKS = 8;

export function buildAnswer(spec: EmuSpec, body: unknown, toolCallId: string): Answer {
  const chunks = Math.max(
    1,
    Math.min(Number(spec.chunks ?? DEFAULT_CHUNKS) || DEFAULT_CHUNKS, 1e5),
  );
  // Defaults stretch so that a large `chunks` really yields that many chunks (growth benchmarks).
  const reasoning = spec.reasoning ?? stretch(DEFAULT_REASONING, chunks);
  const truncated = spec.truncated === true;
  const content = truncated
    ? ""
    : spec.toolCall
      ? (spec.content ?? "")
      : (spec.content ?? stretch(DEFAULT_CONTENT, chunks));
  const toolCall =
    spec.toolCall && !truncated
      ? toolCallAnswer(toolCallId, spec.toolCall.name, spec.toolCall.arguments)
      : undefined;
  const answer: Answer = {
    reasoning,
    content,
    reasoningPieces: splitText(reasoning, chunks),
    contentPieces: splitText(content, chunks),
    chunks,
    truncated,
    usage: null,
  };
  if (toolCall) answer.toolCall = toolCall;
  if (!spec.noUsage) answer.usage = spec.usage ?? estimateUsage(body, answer);
  return answer;
}

function toolCallAnswer(id: string, name: string, args: Record<string, unknown>): ToolCallAnswer {
  const text = pythonJson(args ?? {});
  return { id, name: String(name), arguments: text, argumentPieces: splitText(text, 3) };
}

/** Why generation ended, as a backend with (or without) a tool parser reports it. */
export function finishReason(
  answer: Answer,
  nativeTools: boolean,
): "stop" | "length" | "tool_calls" {
  if (answer.truncated) return "length";
  return answer.toolCall && nativeTools ? "tool_calls" : "stop";
}

/** Hermes format, as QwQ's chat template asks the model to write tool calls. */
export function hermesText(tool: ToolCallAnswer): string {
  return `<tool_call>\n{"name": ${JSON.stringify(tool.name)}, "arguments": ${tool.arguments}}\n</tool_call>`;
}

// Roughly four characters a token: enough for accounting tests that check usage flows through.
function estimateUsage(body: unknown, answer: Answer): UsageCounts {
  const messages = (body as { messages?: unknown })?.messages;
  const prompt = Math.max(1, Math.ceil((JSON.stringify(messages ?? "")?.length ?? 0) / 4));
  const reasoning = Math.ceil(answer.reasoning.length / 4);
  const tool = answer.toolCall ? Math.ceil(hermesText(answer.toolCall).length / 4) : 0;
  const completion = Math.max(1, reasoning + Math.ceil(answer.content.length / 4) + tool);
  // No reasoning count: backends that report one only do so when a test asks (spec.usage).
  return { prompt, completion };
}
