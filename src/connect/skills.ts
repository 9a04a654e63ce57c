/**
 * `mcp install HOST --skills`: patchbay's messaging skills as files in the host's skills folder
 * (`HostAdapter.skillsFolder`), one `<name>/SKILL.md` each. A file patchbay did not write (no
 * SKILL_MARKER) is never overwritten or removed.
 */
import { join } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import { plannedChange } from "./claude-hook.ts";
import { readText } from "./files.ts";
import type { HostLocation } from "./hosts/adapter.ts";
import type { PlannedChange } from "./install.ts";
import { MESSAGING_SKILL, SKILL_MARKER, type Skill, skillText, WAIT_SKILL } from "./skill-texts.ts";

/** The skills each host gets: Claude Code both, Codex the messaging one (its project skill). */
const SKILLS_FOR: Record<string, readonly Skill[]> = {
  claude: [MESSAGING_SKILL, WAIT_SKILL],
  codex: [MESSAGING_SKILL],
};

export function skillsFor(host: string): readonly Skill[] {
  return SKILLS_FOR[host] ?? [];
}

function location(host: string, scope: string, folder: string, skill: Skill): HostLocation {
  return { host, scope, file: join(folder, skill.name, "SKILL.md"), format: "text", path: [] };
}

function notOurs(file: string): PatchbayError {
  return new PatchbayError("file_exists", `${file} exists and was not written by patchbay; left untouched`, {
    next: `move ${file} away to install patchbay's skill, or leave out --skills`,
  });
}

/** Writes each skill of `host` (or updates patchbay's older text); refuses a same-named skill of someone else. */
export async function planSkillsInstall(host: string, scope: string, folder: string): Promise<PlannedChange[]> {
  const changes: PlannedChange[] = [];
  for (const skill of skillsFor(host)) {
    const where = location(host, scope, folder, skill);
    const before = await readText(where.file);
    const after = skillText(skill);
    if (before !== undefined && !before.includes(SKILL_MARKER)) throw notOurs(where.file);
    changes.push(plannedChange(where, before === undefined ? "added" : before === after ? "unchanged" : "updated", before, after));
  }
  return changes;
}

/** Removes the skills patchbay wrote in `folder`; anything else stays. */
export async function planSkillsUninstall(host: string, scope: string, folder: string): Promise<PlannedChange[]> {
  const changes: PlannedChange[] = [];
  for (const skill of skillsFor(host)) {
    const where = location(host, scope, folder, skill);
    const before = await readText(where.file);
    const ours = before?.includes(SKILL_MARKER) ?? false;
    changes.push(plannedChange(where, ours ? "removed" : "absent", before, ours ? undefined : before));
  }
  return changes;
}
