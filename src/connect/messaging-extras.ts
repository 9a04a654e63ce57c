/**
 * What `mcp install HOST --skills --statusline` adds for agent messaging besides the server entry,
 * and what `mcp uninstall HOST` takes away again: patchbay's skills (hosts with a skills folder)
 * and the status line (hosts with settings, i.e. Claude Code). Planned first, written after.
 */
import { readdir, rmdir } from "node:fs/promises";
import { dirname } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import { HOST_IDS, type HostId, hostAdapter } from "./hosts/index.ts";
import { applyChange, type PlannedChange } from "./install.ts";
import { planSkillsInstall, planSkillsUninstall } from "./skills.ts";
import { planStatusLineInstall, planStatusLineUninstall, statusLineCommand, statusLineLocation, statusLineSetting } from "./statusline.ts";

export interface ExtraChange {
  kind: "skill" | "status line";
  change: PlannedChange;
  /** Set by applyExtras: the copy of the file taken before it changed. */
  backup?: string;
}

export interface ExtrasOptions {
  skills: boolean;
  /** The status line for this agent (NAME@NAMESPACE, already checked), run by this patchbay. */
  statusLine?: { self: string[]; agent: string; patchbayHome?: string };
  /** Changes planned before these in the same run and applied first (the inbox hook shares Claude's settings file). */
  earlier?: readonly PlannedChange[];
}

function hostsWith(feature: "skillsFolder" | "hookLocation"): string {
  return HOST_IDS.filter((id) => hostAdapter(id)[feature])
    .map((id) => hostAdapter(id).title)
    .join(", ");
}

function unsupported(flag: string, host: HostId, feature: "skillsFolder" | "hookLocation"): PatchbayError {
  return new PatchbayError("invalid_flag", `${flag} is for ${hostsWith(feature)} only, not ${host}`, { next: `drop ${flag}` });
}

export async function planMessagingExtras(host: HostId, scope: string, root: string, options: ExtrasOptions): Promise<ExtraChange[]> {
  const adapter = hostAdapter(host);
  const extras: ExtraChange[] = [];
  if (options.skills) {
    if (!adapter.skillsFolder) throw unsupported("--skills", host, "skillsFolder");
    for (const change of await planSkillsInstall(host, scope, adapter.skillsFolder(scope, { root }))) extras.push({ kind: "skill", change });
  }
  if (options.statusLine) {
    if (!adapter.hookLocation) throw unsupported("--statusline", host, "hookLocation");
    const location = statusLineLocation(adapter.hookLocation(scope, { root }));
    const setting = statusLineSetting(statusLineCommand(options.statusLine));
    extras.push({ kind: "status line", change: await planStatusLineInstall(location, setting, options.earlier) });
  }
  return extras;
}

/** patchbay's skills and status line at `scope`, to remove (status "absent" where there are none). */
export async function planMessagingExtrasRemoval(host: HostId, scope: string, root: string, earlier: readonly PlannedChange[] = []): Promise<ExtraChange[]> {
  const adapter = hostAdapter(host);
  const extras: ExtraChange[] = [];
  if (adapter.skillsFolder)
    for (const change of await planSkillsUninstall(host, scope, adapter.skillsFolder(scope, { root }))) extras.push({ kind: "skill", change });
  if (adapter.hookLocation)
    extras.push({ kind: "status line", change: await planStatusLineUninstall(statusLineLocation(adapter.hookLocation(scope, { root })), earlier) });
  return extras;
}

/** Writes the planned extras (each backed up first); a skill's folder its removal left empty goes too, and so does the skills folder then. */
export async function applyExtras(extras: ExtraChange[], home: string): Promise<void> {
  const removeIfEmpty = async (folder: string) => {
    if ((await readdir(folder).catch(() => ["?"])).length === 0) await rmdir(folder).catch(() => undefined);
  };
  for (const extra of extras) {
    extra.backup = await applyChange(extra.change, home);
    if (extra.kind !== "skill" || extra.change.status !== "removed") continue;
    const folder = dirname(extra.change.location.file);
    await removeIfEmpty(folder);
    await removeIfEmpty(dirname(folder));
  }
}
