import { type EmuSpec, emuPrompt } from "@thinkgate/emulator";

/**
 * An upstream fetch that gives each backend its own emulator directive. The emulator reads
 * what to do (fail with 500, hang, cut…) from the last user message, which every backend of a
 * request receives alike; this rewrites that message per backend (by URL prefix) and per
 * attempt, so one request can meet a failing GPU box and a healthy cloud. Everything else is
 * the real fetch to the real emulator.
 */
export function faultPlan(
  plan: Record<string, (attempt: number) => EmuSpec | undefined>,
): typeof fetch & { attempts: Record<string, number> } {
  const attempts: Record<string, number> = {};
  const planned = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const prefix = Object.keys(plan).find((p) => url.startsWith(p));
    if (prefix === undefined || typeof init?.body !== "string") return fetch(input, init);
    const n = attempts[prefix] ?? 0;
    attempts[prefix] = n + 1;
    const spec = plan[prefix]?.(n);
    if (!spec) return fetch(input, init);
    const body = JSON.parse(init.body) as { messages: Array<{ role: string; content: unknown }> };
    const last = body.messages.findLastIndex((m) => m.role === "user");
    body.messages[last] = { role: "user", content: emuPrompt(spec) };
    return fetch(input, { ...init, body: JSON.stringify(body) });
  };
  return Object.assign(planned as typeof fetch, { attempts });
}
