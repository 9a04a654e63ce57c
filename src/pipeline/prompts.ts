/**
 * The prompt of each agent phase, and the parsing of what comes back: the review verdict and a
 * printed diff. The mock provider gets a fenced JSON instruction first (see src/agents/mock.ts),
 * taken from a ```patchbay-mock block of the task when there is one, so tests and demos can
 * script every phase.
 */
import type { AgentPhase } from "./config-schema.ts";

export interface PromptInput {
  task: string;
  plan?: string;
  diff?: string;
  findings?: string;
  failedTests?: string;
  round?: number;
}

const PHASE_TEXT: Record<AgentPhase, (input: PromptInput) => string> = {
  plan: (input) =>
    [
      "You are the planner of a patch pipeline. Read the repository; do not change any file.",
      "Answer with a plan in Markdown: a summary, the files to change and why, the steps, the tests to run, and the risks.",
      "End the plan with a fenced ```json block holding the files the change may touch, as repository-relative paths (a directory ending in / or a glob covers what is below it):",
      "```json",
      '{"affected_files": ["src/example.ts", "tests/example.test.ts"]}',
      "```",
      "",
      "## Task",
      input.task,
    ].join("\n"),
  write: (input) =>
    [
      "You are the writer of a patch pipeline. Implement the approved plan by editing files in this working tree.",
      "Do not commit, do not touch .git, .env files or secrets. End with a short summary of what you changed.",
      "",
      "## Task",
      input.task,
      "",
      "## Approved plan",
      input.plan ?? "(none)",
    ].join("\n"),
  review: (input) =>
    [
      "You are the reviewer of a patch pipeline. Review the change below against the task and the plan. Do not change any file.",
      "Your first line must be exactly PASS or CHANGES_REQUESTED. Then list concrete findings (file, line, problem), most important first.",
      "",
      "## Task",
      input.task,
      "",
      "## Plan",
      input.plan ?? "(none)",
      "",
      "## Change (git diff against the base)",
      "```diff",
      input.diff ?? "",
      "```",
    ].join("\n"),
  fix: (input) =>
    [
      `You are fixing a patch (round ${input.round ?? 1}). Edit files in this working tree to address the findings and failing tests below; do not commit.`,
      "End with a short summary of what you changed.",
      "",
      "## Task",
      input.task,
      "",
      "## Review findings",
      input.findings || "(none)",
      "",
      "## Failing tests",
      input.failedTests || "(none)",
    ].join("\n"),
};

const MOCK_DEFAULTS: Record<AgentPhase, (task: string) => Record<string, unknown>> = {
  plan: (task) => ({ message: `# Plan\n\n1. ${firstLine(task)}\n` }),
  write: (task) => ({ write: { path: "PATCHBAY_MOCK.md", content: `${firstLine(task)}\n` }, message: "wrote PATCHBAY_MOCK.md" }),
  review: () => ({ message: "PASS\nNo findings." }),
  fix: () => ({ message: "nothing to fix" }),
};

function firstLine(text: string): string {
  return (
    text
      .split("\n")
      .map((line) => line.trim())
      .find((line) => line !== "" && !line.startsWith("```")) ?? ""
  );
}

/** The ```patchbay-mock block of a task: per phase, the mock agent's instructions (fix: one per round, or one for all). */
function mockScript(task: string): Record<string, unknown> {
  const block = /```patchbay-mock\s*\n([\s\S]*?)```/.exec(task);
  if (!block) return {};
  try {
    const parsed: unknown = JSON.parse(block[1]!);
    return parsed !== null && typeof parsed === "object" ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function phasePrompt(phase: AgentPhase, input: PromptInput, mock: boolean): string {
  const body = PHASE_TEXT[phase](input);
  if (!mock) return body;
  const script = mockScript(input.task)[phase];
  const step = Array.isArray(script) ? script[Math.min((input.round ?? 1) - 1, script.length - 1)] : script;
  const instruction = step ?? MOCK_DEFAULTS[phase](input.task);
  // Backticks escaped, so a scripted message may itself hold a fenced block.
  return `${firstLine(body)}\n\`\`\`json\n${JSON.stringify(instruction).replaceAll("`", "\\u0060")}\n\`\`\`\n\n${body}`;
}

export interface Verdict {
  verdict: "approve" | "changes_requested";
  findings: string;
}

/** PASS / APPROVE or CHANGES_REQUESTED / REQUEST_CHANGES as the first word, or a JSON `{verdict, findings}`. */
export function parseVerdict(text: string): Verdict | undefined {
  const trimmed = text.trim();
  try {
    const json = JSON.parse(trimmed) as { verdict?: unknown; findings?: unknown };
    const verdict = typeof json.verdict === "string" ? verdictWord(json.verdict) : undefined;
    if (verdict) return { verdict, findings: Array.isArray(json.findings) ? json.findings.map(String).join("\n") : String(json.findings ?? "") };
  } catch {
    // not JSON: read the first word
  }
  const first = /^[\s*#>`_-]*([A-Za-z_ ]+)/.exec(trimmed)?.[1]?.trim();
  const verdict = first ? verdictWord(first.split(/\s+/)[0]!) : undefined;
  if (!verdict) return undefined;
  return { verdict, findings: trimmed.split("\n").slice(1).join("\n").trim() };
}

function verdictWord(word: string): Verdict["verdict"] | undefined {
  const upper = word.toUpperCase().replace(/[^A-Z_]/g, "");
  if (upper === "PASS" || upper === "APPROVE" || upper === "APPROVED") return "approve";
  if (upper === "CHANGES_REQUESTED" || upper === "REQUEST_CHANGES" || upper === "CHANGES") return "changes_requested";
  return undefined;
}

/** The diff a writer printed: between BEGIN_DIFF/END_DIFF, in a ```diff fence, or from the first `diff --git`. */
export function extractDiff(text: string): string {
  const marked = /BEGIN_DIFF\s*\n([\s\S]*?)END_DIFF/.exec(text) ?? /```(?:diff|patch)\s*\n([\s\S]*?)```/.exec(text);
  if (marked) return marked[1]!;
  const start = text.indexOf("diff --git ");
  return start >= 0 ? text.slice(start) : "";
}

/**
 * The plan's scope: `affected_files` of the last fenced ```json block that has it, or of the
 * original planners' BEGIN_AI_FLOW_PLAN_JSON…END_AI_FLOW_PLAN_JSON block (entries may be
 * `{path, operation, reason}`); undefined when the planner gave none.
 *
 * @example
 * parsePlanScope('# Plan\n```json\n{"affected_files": ["src/a.ts"]}\n```'); // ["src/a.ts"]
 */
export function parsePlanScope(text: string): string[] | undefined {
  const blocks = [...text.matchAll(/```json\s*\n([\s\S]*?)```|BEGIN_AI_FLOW_PLAN_JSON\s*\n([\s\S]*?)END_AI_FLOW_PLAN_JSON/g)]
    .map((match) => (match[1] ?? match[2])!)
    .reverse();
  for (const block of blocks) {
    try {
      const files = (JSON.parse(block) as { affected_files?: unknown })?.affected_files;
      const paths = Array.isArray(files) ? files.map((file) => (typeof file === "string" ? file : (file as { path?: unknown } | null)?.path)) : [];
      if (Array.isArray(files) && paths.every((path) => typeof path === "string"))
        return (paths as string[]).map((path) => path.trim().replace(/^\.\//, "")).filter(Boolean);
    } catch {
      // not this block
    }
  }
  return undefined;
}
