import { join } from "node:path";
import type { Config } from "../config/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { compact, defineAgent, exitError, parseObject, str } from "./define.ts";
import type { AgentAdapter, AgentCommand, AgentEvent, AgentParser, AgentResult, AgentTurn } from "./types.ts";

/** `[agents.custom.<id>]` (and a pipeline provider table); `pass_env` may be left out by callers that build one. */
export type CustomAgentConfig = Omit<Config["agents"]["custom"][string], "pass_env"> & { pass_env?: readonly string[] };

/** Stdout kept for the final message of text and json contracts; beyond this it is cut. */
const MAX_STDOUT_CHARS = 1_000_000;

/**
 * A user-defined agent from `[agents.custom.<id>]`: argv from `args` with placeholders replaced
 * (never through a shell), the prompt on stdin, as an argument or in `<scratch>/prompt.md`,
 * and stdout read by its `output_contract`. Exit 0 is success.
 */
export function customAgent(id: string, config: CustomAgentConfig): AgentAdapter {
  return defineAgent({
    name: id,
    defaultCommand: config.command,
    install: `install the program "${config.command}" yourself`,
    configKey: `agents.custom.${id}.command`,
    capabilities: { resume: false, readOnlySandbox: false, outputSchema: false, chooseSessionId: false },
    env: { pass: config.pass_env ?? [] },
    command: (turn, executable) => customCommand(id, config, turn, executable),
    parser: () => customParser(id, config.output_contract),
  });
}

function customCommand(id: string, config: CustomAgentConfig, turn: AgentTurn, executable: string): AgentCommand {
  const promptFile = join(turn.scratchDir, "prompt.md");
  const values: Record<string, string> = { prompt: turn.prompt, prompt_file: promptFile, cwd: turn.cwd, model: turn.model ?? "" };
  const args = config.args.map((arg) => arg.replace(/\{\{(prompt|prompt_file|cwd|model)\}\}/g, (_, name: string) => values[name] ?? ""));
  const mentions = (name: string) => config.args.some((arg) => arg.includes(`{{${name}}}`));
  if (config.prompt_mode === "arg") assertPromptIsNoOption(id, config.args, turn.prompt);
  if (config.prompt_mode === "arg" && !mentions("prompt")) args.push(turn.prompt);
  if (config.prompt_mode === "file" && !mentions("prompt_file")) args.push(promptFile);
  const needsFile = config.prompt_mode === "file" || mentions("prompt_file");
  return compact<AgentCommand>({
    command: executable,
    args,
    env: { ...config.env },
    stdin: config.prompt_mode === "stdin" ? turn.prompt : undefined,
    files: needsFile ? [{ path: promptFile, content: turn.prompt }] : undefined,
  });
}

/**
 * A prompt that starts with "-" and is an argument of its own would be read as an option
 * (`--output=/etc/x`): it is refused unless a "--" comes before it in `args`, which ends options
 * for most CLIs. A prompt inside a larger argument (`--prompt={{prompt}}`) is a value already.
 */
function assertPromptIsNoOption(id: string, template: readonly string[], prompt: string): void {
  if (!prompt.startsWith("-")) return;
  const at = template.indexOf("{{prompt}}");
  if (at === -1 && template.some((arg) => arg.includes("{{prompt}}"))) return;
  const before = at === -1 ? template : template.slice(0, at);
  if (before.includes("--")) return;
  throw new PatchbayError(
    "invalid_prompt",
    `the prompt starts with "-", and agents.custom.${id} passes it as an argument, where ${id} would read it as an option`,
    {
      next: `put "--" in agents.custom.${id}.args before where the prompt goes (if ${id} understands it), use prompt_mode = "stdin" or "file", or start the prompt with a word`,
    },
  );
}

function customParser(id: string, contract: CustomAgentConfig["output_contract"]): AgentParser {
  let stdout = "";
  let lastJsonLine: Record<string, unknown> | undefined;

  function line(text: string): AgentEvent[] {
    if (stdout.length < MAX_STDOUT_CHARS) stdout += `${text}\n`;
    if (contract === "jsonl") lastJsonLine = parseObject(text) ?? lastJsonLine;
    return [{ type: "raw", line: text }];
  }

  function finish(exit: { code: number | null; signal: string | null }, stderrTail: string): AgentResult {
    const output = stdout.replace(/\n$/, "");
    const done = (result: Omit<AgentResult, "status">): AgentResult =>
      exit.code === 0
        ? compact({ status: "succeeded", ...result })
        : compact({ ...result, status: "failed", error: exitError(id, exit, stderrTail, "failed") });
    if (contract === "text") return done({ finalMessage: output });
    if (contract === "jsonl") return done({ finalMessage: lastJsonLine ? (str(lastJsonLine.message) ?? str(lastJsonLine.text)) : undefined });
    try {
      const structured: unknown = JSON.parse(output);
      const fields = structured !== null && typeof structured === "object" ? (structured as Record<string, unknown>) : {};
      return done({ finalMessage: str(fields.message) ?? str(fields.text) ?? output, structured });
    } catch {
      if (exit.code !== 0) return done({});
      return { status: "failed", error: `${id} printed no valid JSON (output_contract = "json"): ${output.slice(0, 200)}` };
    }
  }

  return { line, finish };
}
