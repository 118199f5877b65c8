import type { ChatEvent, ChatResult } from "./events.js";

/** Folds events into the `final()` result as they pass by. */
export class ResultBuilder {
  #reasoning: string[] = [];
  #content: string[] = [];
  #result: Omit<ChatResult, "reasoning" | "content"> = {
    toolCalls: [],
    usage: null,
    finishReason: null,
  };

  push(ev: ChatEvent): void {
    if (ev.type === "reasoning") this.#reasoning.push(ev.delta);
    else if (ev.type === "content") this.#content.push(ev.delta);
    else if (ev.type === "tool_call") {
      this.#result.toolCalls.push({
        id: ev.id,
        type: "function",
        function: { name: ev.name, arguments: ev.arguments },
      });
    } else if (ev.type === "usage") this.#result.usage = ev.usage;
    else if (ev.type === "done") this.#result.finishReason = ev.finishReason;
  }

  result(): ChatResult {
    return {
      reasoning: this.#reasoning.join(""),
      content: this.#content.join(""),
      ...this.#result,
    };
  }
}
