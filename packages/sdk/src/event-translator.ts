import type { StreamEvent } from "@thinkgate/core";
import { errorFor } from "./errors.js";
import type { ChatEvent, FinishReason } from "./events.js";

interface PendingCall {
  index: number;
  id: string | undefined;
  name: string;
  arguments: string;
}

/**
 * core's normalized events (per choice, OpenAI-shaped tool-call deltas) → the SDK's public
 * events for choice 0: tool-call fragments are also assembled into whole calls, announced when
 * the next call starts or the choice finishes. An `error` event throws the matching error.
 */
export class EventTranslator {
  #pending = new Map<number, PendingCall>();
  #finishReason: FinishReason | null = null;

  push(ev: StreamEvent): ChatEvent[] {
    switch (ev.type) {
      case "reasoning":
        return ev.choice === 0 ? [{ type: "reasoning", delta: ev.text }] : [];
      case "content":
        return ev.choice === 0 ? [{ type: "content", delta: ev.text }] : [];
      case "tool_call":
        return ev.choice === 0 ? this.#toolCall(ev) : [];
      case "finish":
        if (ev.choice !== 0) return [];
        this.#finishReason = ev.reason;
        return this.#completeCalls();
      case "usage":
        return [{ type: "usage", usage: ev.usage }];
      case "done":
        return [...this.#completeCalls(), { type: "done", finishReason: this.#finishReason }];
      case "error":
        throw errorFor(ev.status, ev.error);
      default:
        return [];
    }
  }

  #toolCall(ev: Extract<StreamEvent, { type: "tool_call" }>): ChatEvent[] {
    const out: ChatEvent[] = [];
    let call = this.#pending.get(ev.index);
    if (!call) {
      // A new call starts: every earlier one is complete (OpenAI streams calls in order).
      out.push(...this.#completeCalls());
      call = { index: ev.index, id: ev.id, name: ev.name ?? "", arguments: "" };
      this.#pending.set(ev.index, call);
    } else {
      if (ev.id && !call.id) call.id = ev.id;
      if (ev.name && !call.name) call.name = ev.name;
    }
    call.arguments += ev.arguments;
    const delta: ChatEvent = {
      type: "tool_call_delta",
      index: ev.index,
      argumentsDelta: ev.arguments,
    };
    if (ev.id !== undefined) delta.id = ev.id;
    if (ev.name !== undefined) delta.name = ev.name;
    out.push(delta);
    return out;
  }

  #completeCalls(): ChatEvent[] {
    const out: ChatEvent[] = [];
    for (const call of this.#pending.values()) {
      const ev: ChatEvent = {
        type: "tool_call",
        index: call.index,
        id: call.id ?? `call_${call.index}`,
        name: call.name,
        arguments: call.arguments,
      };
      try {
        ev.parsedArguments = JSON.parse(call.arguments || "{}");
      } catch {
        // Not JSON (a truncated call, or a model that wrote prose): leave it unparsed.
      }
      out.push(ev);
    }
    this.#pending.clear();
    return out;
  }
}
