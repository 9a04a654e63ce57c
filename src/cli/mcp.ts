import { defineCommand } from "citty";
import { loadCheckedConfig } from "../agents/index.ts";
import { patchbayHome } from "../config/index.ts";
import { formatAddress, parseAddress } from "../messaging/index.ts";
import {
  applyChange,
  assertHostId,
  checkHost,
  HOST_IDS,
  hostAdapter,
  type HostCheck,
  type HostId,
  hostEntry,
  inboxHookCommand,
  inboxHookGroup,
  locate,
  planHookInstall,
  planHookUninstall,
  planInstall,
  planUninstall,
  type PlannedChange,
  planMessagingExtras,
  planMessagingExtrasRemoval,
  applyExtras,
  type ExtraChange,
  redactEntry,
  type Registration,
  repositoryRoot,
  scopeHelp,
  stdioRegistration,
} from "../connect/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { selfCommand } from "../runtime/index.ts";
import { repeatedFlag } from "./launch-args.ts";
import { emit } from "./output.ts";

/** The hosts that keep settings hooks, where `--inbox-hook` can go. */
const HOOK_HOSTS = HOST_IDS.filter((id) => hostAdapter(id).hookLocation);

const hostArg = { type: "positional", description: `Host: ${HOST_IDS.join(", ")}`, valueHint: "HOST" } as const;
const common = {
  scope: { type: "string", description: scopeHelp(), valueHint: "SCOPE" },
  root: { type: "string", description: "Repository the host works on (default: the git work tree around the current directory)", valueHint: "DIR" },
  "dry-run": { type: "boolean", description: "Print the change as a diff and write nothing" },
  json: { type: "boolean", description: "Print as JSON" },
} as const;

function report(change: PlannedChange, backup: string | undefined, dryRun: boolean, extra: Record<string, unknown>) {
  const { host, scope, file } = change.location;
  return { ok: true, host, scope, file, status: change.status, dry_run: dryRun, backup: backup ?? null, ...(dryRun && { diff: change.diff }), ...extra };
}

function changeText(change: PlannedChange, backup: string | undefined, dryRun: boolean, next?: string): string {
  const { host, scope, file } = change.location;
  const where = `${host} (${scope}) ${file}`;
  if (dryRun) return change.diff ? `${change.diff}(dry run: ${file} not written)` : `${where}: nothing to change`;
  const said = {
    added: `registered patchbay in ${where}`,
    updated: `updated patchbay in ${where}`,
    unchanged: `patchbay is already registered in ${where}; nothing changed`,
    removed: `removed patchbay from ${where}`,
    absent: `patchbay is not registered in ${where}; nothing changed`,
  }[change.status];
  return [
    said,
    ...(backup ? [`  backup: ${backup}`] : []),
    ...(next && change.status !== "removed" && change.status !== "absent" ? [`  next: ${next}`] : []),
  ].join("\n");
}

/** The Stop hook's part of the report (`inbox_hook`), JSON and text. */
function hookReport(change: PlannedChange, backup: string | undefined, dryRun: boolean, command?: string) {
  return { file: change.location.file, status: change.status, backup: backup ?? null, ...(command && { command }), ...(dryRun && { diff: change.diff }) };
}

function hookText(change: PlannedChange, backup: string | undefined, dryRun: boolean): string {
  const { host, scope, file } = change.location;
  if (dryRun) return change.diff ? `${change.diff}(dry run: ${file} not written)` : `${host} (${scope}) ${file}: Stop hook, nothing to change`;
  const said = {
    added: `added the inbox Stop hook to ${file}`,
    updated: `updated the inbox Stop hook in ${file}`,
    unchanged: `the inbox Stop hook is already in ${file}; nothing changed`,
    removed: `removed the inbox Stop hook from ${file}`,
    absent: "",
  }[change.status];
  return [said, ...(backup ? [`  backup: ${backup}`] : [])].filter(Boolean).join("\n");
}

/** The agent --inbox-hook and --statusline are for: --agent or $PATCHBAY_AGENT, as NAME@NAMESPACE. */
function hookAgent(args: Record<string, unknown>, flag: string): string {
  const agent = (args.agent as string | undefined) ?? process.env.PATCHBAY_AGENT;
  if (!agent)
    throw new PatchbayError("invalid_flag", `${flag} needs the agent whose inbox it checks`, { next: "pass --agent NAME@NAMESPACE, or set PATCHBAY_AGENT" });
  if (!agent.includes("@"))
    throw new PatchbayError("invalid_flag", `--agent ${agent}: expected NAME@NAMESPACE`, {
      next: "pass --agent NAME@NAMESPACE (as `patchbay token add` printed it)",
    });
  return formatAddress(parseAddress(agent));
}

/** `--inbox-hook`: the Stop hook for the agent named by --agent or $PATCHBAY_AGENT, in the settings file of the same scope. */
async function planInboxHook(
  args: Record<string, unknown>,
  host: HostId,
  scope: string,
  root: string,
  home: string,
): Promise<{ change: PlannedChange; command: string } | undefined> {
  if (!args["inbox-hook"]) {
    if (args.agent !== undefined && !args.statusline)
      throw new PatchbayError("invalid_flag", "--agent only applies with --inbox-hook or --statusline", {
        next: "add --inbox-hook or --statusline, or drop --agent",
      });
    return undefined;
  }
  const hookLocation = hostAdapter(host).hookLocation;
  if (!hookLocation)
    throw new PatchbayError("invalid_flag", `--inbox-hook is for ${HOOK_HOSTS.map((id) => hostAdapter(id).title).join(", ")} only, not ${host}`, {
      next: `run \`patchbay mcp install ${HOOK_HOSTS[0]} --inbox-hook --agent NAME@NAMESPACE\``,
    });
  const command = inboxHookCommand({
    self: selfCommand(),
    agent: hookAgent(args, "--inbox-hook"),
    patchbayHome: process.env.PATCHBAY_HOME ? home : undefined,
  });
  return { change: await planHookInstall(hookLocation(scope, { root }), inboxHookGroup(command)), command };
}

/** A skill or the status line in the report: what, where, and what happened. */
function extraReport({ kind, change, backup }: ExtraChange, dryRun: boolean) {
  return { kind, file: change.location.file, status: change.status, backup: backup ?? null, ...(dryRun && { diff: change.diff }) };
}

function extraText({ kind, change, backup }: ExtraChange, dryRun: boolean): string {
  const { file } = change.location;
  if (dryRun) return change.diff ? `${change.diff}(dry run: ${file} not written)` : `${file}: ${kind}, nothing to change`;
  const said = { added: "added", updated: "updated", unchanged: "already up to date:", removed: "removed", absent: "not there:" }[change.status];
  return [`${said} ${kind} ${file}`, ...(backup ? [`  backup: ${backup}`] : [])].join("\n");
}

const install = defineCommand({
  meta: { name: "install", description: "Register patchbay in a host's own MCP configuration (stdio by default)" },
  args: {
    host: hostArg,
    ...common,
    "allow-root": { type: "string", description: "Another directory the session may use (repeatable)", valueHint: "DIR" },
    "tool-mode": { type: "enum", options: ["minimal", "worker", "standard", "full"], description: "Tool catalog the host's sessions start with" },
    profile: { type: "string", description: "Profile the registered `patchbay stdio` loads", valueHint: "NAME" },
    standalone: { type: "boolean", description: "Register `stdio --standalone` (one hermetic server per host session)" },
    http: { type: "string", description: "Register this HTTP endpoint instead of stdio (token read from auth.token_env)", valueHint: "URL" },
    "embed-token": { type: "boolean", description: "With --http: write the token itself into the host's file (default: a reference to the variable)" },
    trust: { type: "boolean", description: "gemini: mark the server trusted (no confirmation per tool call)" },
    "inbox-hook": { type: "boolean", description: "claude: also add a Stop hook (in the scope's settings.json) that makes an idle agent read new messages" },
    agent: {
      type: "string",
      description: "With --inbox-hook or --statusline: the agent whose inbox they check (default: $PATCHBAY_AGENT)",
      valueHint: "NAME@NS",
    },
    skills: { type: "boolean", description: "claude, codex: also write patchbay's messaging skills (Codex: the repository's .agents/skills)" },
    statusline: { type: "boolean", description: "claude: also show the agent's unread messages in Claude Code's status line (in the scope's settings.json)" },
  },
  async run({ args, rawArgs }) {
    const host = assertHostId(String(args.host));
    // Only Gemini CLI has a per-server trust setting; elsewhere the flag would do nothing, silently.
    if (args.trust && host !== "gemini")
      throw new PatchbayError("invalid_flag", `--trust is for Gemini CLI only, not ${host}`, {
        next: "drop --trust: this host keeps its own tool permissions",
      });
    const home = patchbayHome();
    const root = repositoryRoot(args.root);
    const registration = await buildRegistration(args, rawArgs, home, root);
    const entry = hostEntry(host, registration, { trust: Boolean(args.trust) });
    const change = await planInstall(locate(host, args.scope, { root }), entry);
    const hook = await planInboxHook(args, host, change.location.scope, root, home);
    const extras = await planMessagingExtras(host, change.location.scope, root, {
      skills: Boolean(args.skills),
      statusLine: args.statusline
        ? { self: selfCommand(), agent: hookAgent(args, "--statusline"), patchbayHome: process.env.PATCHBAY_HOME ? home : undefined }
        : undefined,
      earlier: [change, ...(hook ? [hook.change] : [])],
    });
    const dryRun = Boolean(args["dry-run"]);
    const backup = dryRun ? undefined : await applyChange(change, home);
    const hookBackup = dryRun || !hook ? undefined : await applyChange(hook.change, home);
    if (!dryRun) await applyExtras(extras, home);
    const token = registration.transport === "http" ? registration.token : undefined;
    const extra = {
      transport: registration.transport,
      entry: redactEntry(entry, token),
      ...(hook && { inbox_hook: hookReport(hook.change, hookBackup, dryRun, hook.command) }),
      ...(extras.length > 0 && { extras: extras.map((extra) => extraReport(extra, dryRun)) }),
    };
    emit(args.json, report(change, backup, dryRun, extra), () =>
      [
        changeText(change, backup, dryRun, hostAdapter(host).next),
        ...(hook ? [hookText(hook.change, hookBackup, dryRun)] : []),
        ...extras.map((extra) => extraText(extra, dryRun)),
      ].join("\n"),
    );
    return 0;
  },
});

async function buildRegistration(args: Record<string, unknown>, rawArgs: string[], home: string, root: string): Promise<Registration> {
  if (args.http === undefined) {
    if (args["embed-token"])
      throw new PatchbayError("invalid_flag", "--embed-token only applies with --http", { next: "drop --embed-token, or add --http URL" });
    return stdioRegistration({
      self: selfCommand(),
      root,
      allowRoots: repeatedFlag(rawArgs, "allow-root").map((dir) => repositoryRoot(dir)),
      toolMode: args["tool-mode"] as string | undefined,
      profile: args.profile as string | undefined,
      standalone: Boolean(args.standalone),
      patchbayHome: process.env.PATCHBAY_HOME ? home : undefined,
    });
  }
  const url = String(args.http);
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    throw new PatchbayError("invalid_flag", `--http ${url}: expected an http:// or https:// URL such as http://127.0.0.1:8000/mcp`, {
      next: "pass the /mcp URL `patchbay start` printed",
    });
  }
  const config = await loadCheckedConfig({ home });
  const tokenEnv = config.auth.token_env;
  if (!args["embed-token"]) return { transport: "http", url, tokenEnv };
  const token = process.env[tokenEnv];
  if (!token)
    throw new PatchbayError("auth_required", `--embed-token: ${tokenEnv} is not set, so there is no token to write`, {
      next: `export ${tokenEnv}=<the server's token>, or leave out --embed-token`,
    });
  return { transport: "http", url, tokenEnv, token };
}

const uninstall = defineCommand({
  meta: { name: "uninstall", description: "Remove the patchbay registration that install wrote (nothing else)" },
  args: { host: hostArg, ...common },
  async run({ args }) {
    const host = assertHostId(String(args.host));
    const home = patchbayHome();
    const root = repositoryRoot(args.root);
    const change = await planUninstall(locate(host, args.scope, { root }));
    // Hosts with hooks (Claude): also the inbox Stop hook that `install --inbox-hook` added to the same scope, if there.
    const hookLocation = hostAdapter(host).hookLocation;
    const hook = hookLocation ? await planHookUninstall(hookLocation(change.location.scope, { root })) : undefined;
    // And the skills and status line `install --skills --statusline` wrote, where patchbay's own.
    const extras = (await planMessagingExtrasRemoval(host, change.location.scope, root, [change, ...(hook ? [hook] : [])])).filter(
      (extra) => extra.change.status !== "absent",
    );
    const dryRun = Boolean(args["dry-run"]);
    const backup = dryRun ? undefined : await applyChange(change, home);
    const hookBackup = dryRun || !hook ? undefined : await applyChange(hook, home);
    if (!dryRun) await applyExtras(extras, home);
    const shown = hook && hook.status !== "absent" ? hook : undefined;
    const extra = {
      ...(shown && { inbox_hook: hookReport(shown, hookBackup, dryRun) }),
      ...(extras.length > 0 && { extras: extras.map((planned) => extraReport(planned, dryRun)) }),
    };
    emit(args.json, report(change, backup, dryRun, extra), () =>
      [
        changeText(change, backup, dryRun),
        ...(shown ? [hookText(shown, hookBackup, dryRun)] : []),
        ...extras.map((planned) => extraText(planned, dryRun)),
      ].join("\n"),
    );
    return 0;
  },
});

const MARK = { ok: "ok  ", warn: "warn", fail: "FAIL", missing: "--  " } as const;

const doctor = defineCommand({
  meta: { name: "doctor", description: "For each host (or HOST): read its config, start the registered server, do the MCP handshake and tools/list" },
  args: { host: { ...hostArg, required: false }, root: common.root, json: common.json },
  async run({ args }) {
    const hosts = args.host ? [assertHostId(String(args.host))] : [...HOST_IDS];
    const root = repositoryRoot(args.root);
    const checks: HostCheck[] = [];
    for (const host of hosts) checks.push(...(await checkHost(host, { root, env: process.env })));
    const registered = checks.filter((check) => check.status !== "missing");
    const ok = registered.length > 0 && registered.every((check) => check.status !== "fail");
    emit(args.json, { ok, root, checks }, () =>
      checks
        .map(
          (check) =>
            `${MARK[check.status]}  ${`${check.host} ${check.scope}`.padEnd(22)} ${check.detail}${check.next ? ` -> ${check.next}` : ""}\n      ${check.file}`,
        )
        .join("\n"),
    );
    return ok ? 0 : 1;
  },
});

export default defineCommand({
  meta: { name: "mcp", description: "Register patchbay in Codex, Claude Code, Claude Desktop or Gemini CLI, and check those registrations" },
  subCommands: { install, uninstall, doctor },
});
