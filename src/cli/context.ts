import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { defineCommand } from "citty";
import { loadCheckedConfig } from "../agents/index.ts";
import { patchbayHome } from "../config/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { createRedactor } from "../redact/index.ts";
import { buildContextPack, renderContextPack } from "../workspace/context-pack.ts";
import { MAX_PLAN_CHARS, openLocalWorkspace, writePlan } from "../workspace/handoff.ts";
import { suggestedTemplate } from "../workspace/handoff-run.ts";
import { repeatedFlag } from "./launch-args.ts";
import { emit } from "./output.ts";

async function localWorkspace(root: string) {
  const config = await loadCheckedConfig({ home: patchbayHome() });
  return openLocalWorkspace(root, config.repositories.blocked_globs);
}

const bundle = defineCommand({
  meta: { name: "bundle", description: "Print a context pack (AGENTS.md, chosen files, git status) for pasting into a chat; secrets are masked" },
  args: {
    root: { type: "string", required: true, description: "Repository to pack", valueHint: "DIR" },
    path: { type: "string", description: "A file to include, relative to --root (repeatable)", valueHint: "FILE" },
    "include-diff": { type: "boolean", description: "Include the unstaged git diff" },
    json: { type: "boolean", description: "Print as JSON: the Markdown plus what was skipped" },
  },
  async run({ args, rawArgs }) {
    const ws = await localWorkspace(args.root);
    const pack = await buildContextPack(ws, { selectedPaths: repeatedFlag(rawArgs, "path"), includeDiff: Boolean(args["include-diff"]) });
    // The pack is meant for a chat, so it gets the same redaction as a tool result.
    const markdown = createRedactor(process.env).redact(renderContextPack(pack));
    const skipped = pack.skipped.map((file) => ({ path: file.path, code: file.code, reason: file.reason }));
    emit(args.json, { root: ws.root, markdown, bytes: pack.bytes, truncated: pack.truncated, skipped }, () => markdown.trimEnd());
    return 0;
  },
});

const apply = defineCommand({
  meta: { name: "apply", description: "Write a plan file (e.g. from a chat) as .ai-bridge/current-plan.md and print the command that runs it" },
  args: {
    root: { type: "string", required: true, description: "Repository the plan is for", valueHint: "DIR" },
    file: { type: "string", required: true, description: "The plan, a Markdown file", valueHint: "FILE" },
    agent: { type: "string", required: true, description: "The agent meant to carry it out (codex, claude, gemini, or any name)", valueHint: "NAME" },
    title: { type: "string", description: "Title for the plan's header", valueHint: "TEXT" },
    json: { type: "boolean", description: "Print as JSON" },
  },
  async run({ args }) {
    const ws = await localWorkspace(args.root);
    const plan = await readFile(resolve(args.file), "utf8").catch((error: NodeJS.ErrnoException) => {
      const why =
        error.code === "ENOENT" ? "no such file" : error.code === "EISDIR" ? "it is a folder" : error.code === "EACCES" ? "permission denied" : error.message;
      throw new PatchbayError("not_found", `cannot read --file ${args.file} (${resolve(args.file)}): ${why}`, { next: "pass --file with the plan's path" });
    });
    if (plan.length > MAX_PLAN_CHARS)
      throw new PatchbayError("plan_too_large", `${args.file} has ${plan.length} characters; plans hold at most ${MAX_PLAN_CHARS}`, {
        next: "shorten the plan",
      });
    const written = await writePlan(ws, { plan, agent: args.agent, title: args.title, by: "cli" }, createRedactor(process.env).redact);
    const next = `patchbay handoff execute --root ${JSON.stringify(ws.root)} --agent ${args.agent} --command-template '${suggestedTemplate(args.agent)}'`;
    emit(args.json, { ...written, next }, () => `wrote ${written.plan_file} (base commit ${written.base_head ?? "none"})\nnext: ${next}`);
    return 0;
  },
});

export default defineCommand({
  meta: { name: "context", description: "Move context between a chat and a repository without a server" },
  subCommands: { bundle, apply },
});
