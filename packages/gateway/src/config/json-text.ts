import { ConfigError } from "./error.js";

/**
 * A config's JSON text, parsed. A syntax error names the line and column only: V8's own
 * messages quote the text around the error, and a config holds secrets that must not reach a
 * log through them.
 */
export function parseJsonText(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const at = syntaxErrorOffset(text);
    throw new ConfigError(`${what} is not valid JSON: ${describeOffset(text, at)}`);
  }
}

function describeOffset(text: string, offset: number): string {
  if (offset >= text.length) return "it ends too early";
  if (offset < 0) return "syntax error";
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `syntax error at line ${line}, column ${offset - lineStart + 1}`;
}

const number = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const escapes = new Set(['"', "\\", "/", "b", "f", "n", "r", "t"]);
const hex4 = /[0-9a-fA-F]{4}/y;

/**
 * Where JSON.parse gave up, found again by a small linear scanner (only run once parsing has
 * failed). Returns text.length when the text ends before the value does.
 */
export function syntaxErrorOffset(text: string): number {
  const n = text.length;
  const stack: string[] = [];
  let i = 0;
  let state: "value" | "key" | "after" = "value";
  const skipSpace = () => {
    while (i < n && " \t\n\r".includes(text[i] as string)) i++;
  };
  // Moves past a string starting at i; false when it is malformed (i then points at the fault).
  const string = (): boolean => {
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return true;
      }
      if (c < 0x20) return false;
      if (c === 92) {
        const e = text[i + 1];
        if (e === "u") {
          hex4.lastIndex = i + 2;
          if (!hex4.test(text)) return false;
          i += 6;
        } else if (e !== undefined && escapes.has(e)) i += 2;
        else return false;
      } else i++;
    }
    return false;
  };
  for (;;) {
    skipSpace();
    if (i >= n) return stack.length === 0 && state === "after" ? -1 : n;
    const c = text[i] as string;
    if (state === "value") {
      if (c === "{" || c === "[") {
        stack.push(c);
        i++;
        skipSpace();
        if (text[i] === (c === "{" ? "}" : "]")) {
          stack.pop();
          i++;
          state = "after";
        } else state = c === "{" ? "key" : "value";
      } else if (c === '"') {
        if (!string()) return i;
        state = "after";
      } else if (text.startsWith("true", i) || text.startsWith("null", i)) {
        i += 4;
        state = "after";
      } else if (text.startsWith("false", i)) {
        i += 5;
        state = "after";
      } else {
        number.lastIndex = i;
        if (!number.test(text)) return i;
        i = number.lastIndex;
        state = "after";
      }
    } else if (state === "key") {
      if (c !== '"' || !string()) return i;
      skipSpace();
      if (text[i] !== ":") return i;
      i++;
      state = "value";
    } else {
      const top = stack.at(-1);
      if (top === undefined) return i;
      if (c === ",") {
        i++;
        state = top === "{" ? "key" : "value";
      } else if (c === (top === "{" ? "}" : "]")) {
        stack.pop();
        i++;
      } else return i;
    }
  }
}
