import * as z from "zod/mini";
import { problems } from "./problem.ts";

type Issue = z.core.$ZodIssue;

/** Plain English messages per issue code; zod/mini ships without a locale to keep bundles small. */
function messageOf(issue: Issue): string {
  // A message written in the schema says it best; zod/mini's own default is a bare "Invalid input".
  if (issue.message && !/^Invalid input/.test(issue.message)) return issue.message;
  switch (issue.code) {
    case "invalid_type":
      return `expected ${issue.expected}`;
    case "too_big":
      return `must be at most ${String(issue.maximum)}${issue.origin === "string" ? " characters" : ""}`;
    case "too_small":
      return `must be at least ${String(issue.minimum)}${issue.origin === "string" ? " characters" : ""}`;
    case "invalid_format":
      return `must be a valid ${issue.format}`;
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "unrecognized_keys":
      return `unknown field${issue.keys.length > 1 ? "s" : ""}: ${issue.keys.join(", ")}`;
    case "not_multiple_of":
      return `must be a multiple of ${String(issue.divisor)}`;
    case "invalid_union":
      return "does not match any allowed shape";
    default:
      return issue.message || "is invalid";
  }
}

function pathOf(prefix: string, path: PropertyKey[]): string {
  return [prefix, ...path.map(String)].filter((p) => p !== "").join(".");
}

export function parseOr400<S extends z.ZodMiniType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = z.safeParse(schema, value);
  if (result.success) return result.data;
  const errors = result.error.issues
    .slice(0, 20)
    .map((issue) => ({ path: pathOf(where, issue.path), message: messageOf(issue) }));
  throw problems.validation(errors);
}
