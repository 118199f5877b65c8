import { createHash } from "node:crypto";

// Upstash's own Lua scripts (in @upstash/ratelimit) start with `#!lua flags=allow-key-locking`,
// a flag that Redis releases before 7.4 reject ("Unexpected flag in script shebang"). The flag
// is only a locking hint, so when the Redis behind us rejects it we drop it from the shebang and
// remember which SHA the client meant, so its EVALSHA calls keep finding the script.

const UNSUPPORTED_FLAG = "allow-key-locking";

function sha1(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

function stripFlag(script: string): string {
  const newline = script.indexOf("\n");
  const firstLine = newline === -1 ? script : script.slice(0, newline);
  if (!firstLine.startsWith("#!lua") || !firstLine.includes(UNSUPPORTED_FLAG)) return script;
  const rest = newline === -1 ? "" : script.slice(newline);
  const match = /flags=([^\s]*)/.exec(firstLine);
  const flags = (match?.[1] ?? "").split(",").filter((f) => f && f !== UNSUPPORTED_FLAG);
  const shebang = flags.length > 0 ? `#!lua flags=${flags.join(",")}` : "#!lua";
  return shebang + rest;
}

export class ScriptCompat {
  /** SHA the client computed → SHA of the script Redis actually holds. */
  private readonly aliases = new Map<string, string>();

  constructor(private readonly enabled: boolean) {}

  /** Rewrites one command (name first) before it goes to Redis. */
  rewrite(command: string[]): string[] {
    if (!this.enabled || command.length < 2) return command;
    const name = command[0]!.toLowerCase();
    if (name === "eval" || name === "eval_ro") {
      return [command[0]!, this.register(command[1]!), ...command.slice(2)];
    }
    if (name === "evalsha" || name === "evalsha_ro") {
      const alias = this.aliases.get(command[1]!.toLowerCase());
      return alias ? [command[0]!, alias, ...command.slice(2)] : command;
    }
    if (name === "script" && command[1]!.toLowerCase() === "load" && command[2] !== undefined) {
      return [command[0]!, command[1]!, this.register(command[2])];
    }
    return command;
  }

  /** SCRIPT LOAD answers with the SHA of what the client sent, as a real Upstash would. */
  rewriteReply(command: string[], reply: unknown): unknown {
    if (!this.enabled || command.length < 3) return reply;
    const isLoad = command[0]!.toLowerCase() === "script" && command[1]!.toLowerCase() === "load";
    return isLoad ? sha1(command[2]!) : reply;
  }

  private register(script: string): string {
    const stripped = stripFlag(script);
    if (stripped !== script) this.aliases.set(sha1(script), sha1(stripped));
    return stripped;
  }
}

/** Asks Redis once whether it accepts the flag. */
export async function needsScriptCompat(
  evalScript: (script: string) => Promise<unknown>,
): Promise<boolean> {
  try {
    await evalScript(`#!lua flags=${UNSUPPORTED_FLAG}\nreturn 1`);
    return false;
  } catch (error) {
    return /shebang/i.test(String(error));
  }
}
