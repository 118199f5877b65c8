/**
 * Upstream text made fit for a client: whatever a backend says about itself (an error message,
 * an in-band error event) may name internal URLs, hosts and IPs, file paths from a traceback,
 * or a credential it echoed back. Each whitespace-separated token is judged on its own, so the
 * cost is linear in the text, and the text is cut to `maxInput` characters before anything
 * else: an 8 MB error event costs what a 2 KB one does.
 *
 * - URLs (`scheme://…`, `//…`, `www.…`) become `[url]`;
 * - IPv4/IPv6 addresses, `name:port`, dotted host names and `localhost` become `[host]`;
 * - absolute, home-relative, Windows and source-file paths become `[path]`;
 * - the token after `Bearer`/`Basic`, `name=value` pairs whose name says key, token, secret or
 *   password, prefixed keys (`sk-…`, `tg-…`) and long mixed letter-and-digit strings become
 *   `[redacted]`.
 *
 * `secretsOnly` keeps hosts, URLs and paths (for the operator's log) and removes credentials.
 */
export function scrubUpstreamText(text: string, options: { secretsOnly?: boolean } = {}): string {
  const input = text.length > maxInput ? text.slice(0, maxInput) : text;
  const secretsOnly = options.secretsOnly === true;
  let redactNext = false;
  const scrubbed = input.replace(/\S+/g, (token) => {
    if (redactNext) {
      redactNext = false;
      return "[redacted]";
    }
    const { lead, core, trail } = split(token);
    if (authScheme.test(core) || secretName.test(token.slice(lead.length))) {
      // "Bearer sk-…", "api_key: sk-…": the next token is the credential.
      redactNext = true;
      return token;
    }
    const judged = judge(core, secretsOnly);
    return judged === null ? token : lead + judged + trail;
  });
  const collapsed = scrubbed.replace(/\s+/g, " ").trim();
  return collapsed.length > maxOutput ? `${collapsed.slice(0, maxOutput - 1)}…` : collapsed;
}

const maxInput = 2000;
const maxOutput = 300;

const authScheme = /^(?:bearer|basic)$/i;
// "api_key:" / "password=" with the value in the next token.
const secretName =
  /^[\w.-]*(?:key|token|secret|password|passwd|credential|authorization|signature)["']?[=:]$/i;
const secretPair =
  /^([\w.-]*(?:key|token|secret|password|passwd|credential|authorization|signature))[=:]./i;
const prefixedKey = /^(?:sk|tg|pk|rk|ak|key|api|token|ghp|xox[a-z])[-_][\w-]{6,}/i;
const url = /^(?:[a-z][a-z0-9+.-]*:\/\/|\/\/|www\.)/i;
const ipv4 = /^\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?(?:\/.*)?$/;
const ipv6 = /^\[?[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}\]?(?::\d+)?$/i;
const hostPort = /^[a-z0-9-]+(?:\.[a-z0-9-]+)*:\d{2,5}(?:\/.*)?$/i;
const dottedHost = /^(?:[a-z0-9_-]+\.)+[a-z][a-z0-9-]+$/i;
const absolutePath = /^(?:\/[^/\s]|~\/|\.{1,2}\/|[a-z]:[\\/])/i;
const sourceFile =
  /\/.*\.(?:py|pyx|js|mjs|ts|go|rs|c|cc|cpp|h|so|java|rb|sh|json|ya?ml|toml|log)\b/i;

/** A token's leading and trailing punctuation, kept around whatever replaces its core. */
function split(token: string): { lead: string; core: string; trail: string } {
  let start = 0;
  let end = token.length;
  while (start < end && "\"'`([{<".includes(token[start]!)) start++;
  while (end > start && "\"'`)]}>,.;!?".includes(token[end - 1]!)) end--;
  // A trailing colon ends a sentence part ("at /opt/x.py:"), unless it is the token's only end.
  while (end > start + 1 && token[end - 1] === ":") end--;
  return { lead: token.slice(0, start), core: token.slice(start, end), trail: token.slice(end) };
}

function judge(core: string, secretsOnly: boolean): string | null {
  if (core.length === 0) return null;
  const pair = secretPair.exec(core);
  if (pair) return `${pair[1]}=[redacted]`;
  if (prefixedKey.test(core) || looksLikeKey(core)) return "[redacted]";
  if (secretsOnly) return null;
  if (url.test(core)) return "[url]";
  if (core.includes("@") && core.includes(".")) return "[redacted]";
  if (ipv4.test(core) || isIpv6(core)) return "[host]";
  if (absolutePath.test(core) || core.includes("\\") || sourceFile.test(core)) return "[path]";
  if (hostPort.test(core) || dottedHost.test(core) || core.toLowerCase() === "localhost")
    return "[host]";
  return null;
}

// "::1", "[fe80::1]:8000", "2001:db8:0:0:0:0:0:1"; not a clock time such as "12:30:00".
function isIpv6(core: string): boolean {
  if (!ipv6.test(core)) return false;
  return core.includes("::") || core.startsWith("[") || core.split(":").length > 5;
}

/** 24+ characters of a key alphabet, with letters and digits both: a key, a JWT, a hash. */
function looksLikeKey(core: string): boolean {
  if (core.length < 24) return false;
  let letters = false;
  let digits = false;
  for (let i = 0; i < core.length; i++) {
    const c = core.charCodeAt(i);
    if (c >= 48 && c <= 57) digits = true;
    else if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) letters = true;
    else if (!"-_+/=.~".includes(core[i]!)) return false;
  }
  return letters && digits;
}
