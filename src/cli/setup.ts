import { defineCommand } from "citty";
import { consola } from "consola";
import { patchbayHome } from "../config/index.ts";
import {
  applyChange,
  assertHostId,
  HOST_IDS,
  hostAdapter,
  hostEntry,
  locate,
  planInstall,
  repositoryRoot,
  scopeHelp,
  stdioRegistration,
} from "../connect/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { selfCommand } from "../runtime/index.ts";
import { emit } from "./output.ts";

const FIRST_PROMPT = "Call codex_self_test, then codex_open_workspace, and tell me what this repository is and which patchbay tools you can use.";

const interactive = () => Boolean(process.stdin.isTTY && process.stdout.isTTY);

/** Asks only what the flags left open, and only on a terminal; otherwise the flag's default holds. */
const TOOL_MODE_CHOICES = ["default", "worker", "standard", "full", "minimal"] as const;

async function ask<T extends string>(given: T | undefined, question: string, options: readonly T[], fallback: T): Promise<T> {
  if (given !== undefined) return given;
  if (!interactive()) return fallback;
  return (await consola.prompt(question, { type: "select", options: [...options], initial: fallback, cancel: "reject" })) as T;
}

export default defineCommand({
  meta: { name: "setup", description: "Guided setup: pick the repository, tool mode, power and host, register patchbay there, and print the first prompt" },
  args: {
    host: { type: "string", description: `Host to register in: ${HOST_IDS.join(", ")}`, valueHint: "HOST" },
    root: { type: "string", description: "Repository (default: the git work tree around the current directory)", valueHint: "DIR" },
    "tool-mode": {
      type: "enum",
      options: ["minimal", "worker", "standard", "full"],
      description: "Tool catalog the host starts with (default: worker, plus the pipeline's tools in a repository with .ai/patchbay.toml)",
    },
    power: {
      type: "enum",
      options: ["safe", "full"],
      description: "safe: power tools off (default); full: this host's sessions may write files, run any command and read sessions",
    },
    scope: { type: "string", description: scopeHelp(), valueHint: "SCOPE" },
    "dry-run": { type: "boolean", description: "Show the change and write nothing" },
    json: { type: "boolean", description: "Print as JSON" },
  },
  async run({ args }) {
    // Without a terminal nobody chose a host: registering in the default one would be a silent surprise.
    if (!interactive() && args.host === undefined)
      throw new PatchbayError("not_interactive", "`patchbay setup` asks which host to register in, and needs a terminal for that", {
        next: `pass --host (${HOST_IDS.join(", ")}); --tool-mode, --power and --scope answer the other questions (defaults: the repository-aware default mode, safe, the host's own)`,
      });
    const home = patchbayHome();
    const root = repositoryRoot(args.root);
    const host = assertHostId(await ask(args.host, "Which host should use patchbay?", HOST_IDS, "codex"));
    // "default" writes no --tool-mode, so the session keeps the repository-aware default: worker, plus the
    // pipeline's tools where the repository has .ai/patchbay.toml. A chosen mode gives exactly that mode.
    const chosenMode = await ask(args["tool-mode"] as string | undefined, "Which tools should it see?", TOOL_MODE_CHOICES, "default");
    const toolMode = chosenMode === "default" ? undefined : chosenMode;
    const power = (await ask(args.power as string | undefined, "Power tools (direct writes, shell)?", ["safe", "full"], "safe")) as "safe" | "full";
    const { scopes, defaultScope } = hostAdapter(host);
    const scope = args.scope ?? (scopes.length > 1 ? await ask(undefined, `${host}: where should the registration live?`, scopes, defaultScope) : undefined);
    const registration = stdioRegistration({ self: selfCommand(), root, toolMode, power, patchbayHome: process.env.PATCHBAY_HOME ? home : undefined });
    const change = await planInstall(locate(host, scope, { root }), hostEntry(host, registration));
    const backup = args["dry-run"] ? undefined : await applyChange(change, home);
    const { file } = change.location;
    emit(
      args.json,
      {
        ok: true,
        host,
        scope: change.location.scope,
        file,
        status: change.status,
        backup: backup ?? null,
        first_prompt: FIRST_PROMPT,
        ...(args["dry-run"] && { diff: change.diff }),
      },
      () =>
        [
          args["dry-run"]
            ? change.diff || "nothing to change"
            : `${change.status === "unchanged" ? "already registered" : "registered"}: patchbay in ${host} (${change.location.scope}) ${file}`,
          ...(backup ? [`backup: ${backup}`] : []),
          "",
          `Start ${host} in ${root} and paste:`,
          `  ${FIRST_PROMPT}`,
        ].join("\n"),
    );
    return 0;
  },
});
