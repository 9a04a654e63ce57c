/**
 * A tool call's argument refusals in words a model can act on at its next try. valibot's own
 * words for a missing or an unknown key ("Invalid key: Expected never but received \"path\"") name
 * neither what is wrong nor what the tool takes; a model that called `codex_read_file` with `path`
 * should read that the argument is `file_path`. Each issue still leads with its argument's name,
 * `name: …` joined by "; ", which the CLI turns into its flags (src/cli/server-call.ts).
 */
import * as v from "valibot";
import { likelyMeant } from "../errors/index.ts";

/** The arguments tools/list shows for a tool: their names, and which are required. */
export interface ListedArguments {
  properties?: Record<string, unknown>;
  required?: readonly string[];
}

function isKeyIssue(issue: v.BaseIssue<unknown>): boolean {
  return issue.type === "strict_object" || issue.type === "object" || issue.type === "loose_object";
}

/** An argument left out that the tool requires: valibot expects the key and received nothing. */
function isMissing(issue: v.BaseIssue<unknown>): boolean {
  return isKeyIssue(issue) && issue.received === "undefined" && issue.expected !== "never";
}

/** A key the tool's strict schema does not have. */
function isUnknown(issue: v.BaseIssue<unknown>): boolean {
  return isKeyIssue(issue) && issue.expected === "never";
}

/** A value outside a picklist, as the CLI says one: `expected one of a, b, got "c"` (valibot: `Invalid type: Expected ("a" | "b") but received "c"`). */
function choiceIssue(issue: v.BaseIssue<unknown>): string {
  // valibot lists the options only in `expected`, each as JSON: ("a" | "b").
  const options = (issue.expected ?? "").replace(/^\(|\)$/g, "").split(" | ");
  try {
    return `expected one of ${options.map((option) => String(JSON.parse(option))).join(", ")}, got ${issue.received}`;
  } catch {
    return issue.message;
  }
}

/**
 * Each failing argument named with what is wrong, and when an argument is missing or unknown at
 * the top level, the arguments the tool takes, required first. valibot stops at the first unknown
 * key; `unknownKeys` (every top-level key the schema lacks) names them all, so one retry fixes
 * them. No closing period: the error's text goes on with ". Next: …".
 *
 * @example
 * describeArgumentIssues(issues, { properties: { repo_path: {}, file_path: {} }, required: ["file_path"] }, ["path"]);
 * // "file_path: required, and not given; path: no such argument (did you mean file_path?).
 * //  Its arguments: file_path (required), repo_path"
 */
export function describeArgumentIssues(issues: readonly v.BaseIssue<unknown>[], listed?: ListedArguments, unknownKeys: readonly string[] = []): string {
  const required = listed?.required ?? [];
  const names = [...required, ...Object.keys(listed?.properties ?? {}).filter((name) => !required.includes(name))];
  const topLevel = (issue: v.BaseIssue<unknown>) => (issue.path?.length ?? 0) <= 1;
  const missing = issues.filter((issue) => isMissing(issue) && topLevel(issue)).map((issue) => v.getDotPath(issue) ?? "");
  const unknown = [...new Set([...issues.filter((issue) => isUnknown(issue) && topLevel(issue)).map((issue) => v.getDotPath(issue) ?? ""), ...unknownKeys])];
  const described = issues
    .filter((issue) => !(isUnknown(issue) && topLevel(issue)))
    .map((issue) => {
      const path = v.getDotPath(issue) ?? "arguments";
      if (isUnknown(issue)) return `${path}: no such argument`;
      if (isMissing(issue)) return `${path}: required, and not given`;
      // A picklist's own message (a schema that says what to use instead) stays; valibot's default is reworded.
      return `${path}: ${issue.type === "picklist" && issue.message.startsWith("Invalid type:") ? choiceIssue(issue) : issue.message}`;
    });
  for (const name of unknown) {
    const meant = likelyMeant(name, names, { first: missing, alone: unknown.length === 1 });
    described.push(`${name}: no such argument${meant ? ` (did you mean ${meant}?)` : ""}`);
  }
  const takes = names.map((name) => (required.includes(name) ? `${name} (required)` : name));
  return described.join("; ") + (missing.length || unknown.length ? `. Its arguments: ${takes.length ? takes.join(", ") : "none"}` : "");
}
