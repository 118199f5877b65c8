import type { z } from "zod";
import { ConfigError, formatPath } from "./error.js";
import { type Config, configSchema } from "./schema.js";
import { substituteEnv } from "./substitute-env.js";

/** Validates a parsed config file and substitutes "${NAME}" strings from `env`. */
export function parseConfig(json: unknown, env: Record<string, string | undefined>): Config {
  const substituted = substituteEnv(json, env);
  const result = configSchema.safeParse(substituted);
  if (!result.success) throw new ConfigError(describeIssues(result.error.issues));
  return result.data;
}

function describeIssues(issues: z.core.$ZodIssue[]): string {
  const lines = issues.map((issue) => `  ${formatPath(issue.path)}: ${issue.message}`);
  return `invalid config:\n${lines.join("\n")}`;
}
