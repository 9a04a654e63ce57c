/**
 * Agent skills: `<skills dir>/<name>/SKILL.md` files in the repository's skill folders, the
 * user's and those of installed plugins (plugin-skills.ts). Discovery never follows a symlink (a linked skill dir or SKILL.md is skipped), repository
 * skills go through the workspace guard, and every path shown is sanitized: relative to the repo,
 * or `~/…` / `$CODEX_HOME/…`, never an absolute home path.
 */
import { lstat, readdir, realpath } from "node:fs/promises";
import { homedir } from "node:os";
import { join, relative, resolve, sep } from "node:path";
import * as v from "valibot";
import { isPatchbayError, likelyMeant, PatchbayError } from "../errors/index.ts";
import { readInside } from "./guarded-fs.ts";
import { isInside } from "./path-guard.ts";
import { LIMITS } from "./limits.ts";
import { pluginSkillDirs } from "./plugin-skills.ts";
import type { Workspace } from "./workspace.ts";

export const SKILL_SOURCES = ["workspace", "user", "plugin", "other"] as const;
export type SkillSource = (typeof SKILL_SOURCES)[number];

/** Skill folders inside a repository, relative to its root. */
export const WORKSPACE_SKILL_DIRS = [".agents/skills", ".codex/skills", ".claude/skills", "skills"] as const;

const FRONT_MATTER_BYTES = 4_096;
const MAX_DESCRIPTION_CHARS = 300;

export const skillSchema = v.object({ name: v.string(), description: v.string(), source: v.picklist(SKILL_SOURCES), path: v.string() });
export type Skill = v.InferOutput<typeof skillSchema>;

/** A discovered skill and where to read it; `absolute` and `confine` stay inside this module. */
interface SkillFile extends Skill {
  absolute: string;
  /** The directory reads are confined to (the repository, or the user skills folder). */
  confine: string;
}

/** A folder that holds skills, with how its paths are shown. */
interface SkillDir {
  absolute: string;
  source: SkillSource;
  display: string;
  confine: string;
}

/**
 * The user's skill folders: `$CODEX_HOME/skills` (default `~/.codex/skills`), `~/.claude/skills`,
 * `~/.agents/skills`. A CODEX_HOME outside the home directory is the `other` source.
 */
function userSkillDirs(env: Record<string, string | undefined> = process.env): Array<Omit<SkillDir, "confine">> {
  // HOME read per call (Bun's os.homedir() keeps the value from start-up), os.homedir() when unset.
  const home = env.HOME || homedir();
  const codexSkills = join(env.CODEX_HOME ? resolve(env.CODEX_HOME) : join(home, ".codex"), "skills");
  const codex = isInside(home, codexSkills)
    ? { absolute: codexSkills, source: "user" as const, display: `~/${relative(home, codexSkills).split(sep).join("/")}` }
    : { absolute: codexSkills, source: "other" as const, display: "$CODEX_HOME/skills" };
  return [codex, ...[".claude/skills", ".agents/skills"].map((dir) => ({ absolute: join(home, dir), source: "user" as const, display: `~/${dir}` }))];
}

async function isSymlinkOrMissing(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isSymbolicLink();
  } catch {
    return true;
  }
}

/** The repository's skill folders that exist, pass the guard and are not symlinks. */
async function workspaceSkillDirs(ws: Workspace): Promise<SkillDir[]> {
  const dirs: SkillDir[] = [];
  for (const dir of WORKSPACE_SKILL_DIRS) {
    try {
      const guarded = await ws.guard(dir);
      if (!guarded.exists || (await isSymlinkOrMissing(join(ws.root, dir)))) continue;
      dirs.push({ absolute: guarded.absolute, source: "workspace", display: guarded.relative, confine: ws.root });
    } catch (error) {
      if (!isPatchbayError(error)) throw error;
    }
  }
  return dirs;
}

/** The value of a `key:` line, including a folded (`>`) or literal (`|`) block below it. */
function frontMatterValue(lines: string[], key: string): string {
  const index = lines.findIndex((line) => line.toLowerCase().startsWith(`${key}:`));
  if (index < 0) return "";
  const inline = (lines[index] ?? "").slice(key.length + 1).trim();
  if (inline && !/^[>|][+-]?$/.test(inline)) return inline.replace(/^(["'])(.*)\1$/, "$2");
  const block: string[] = [];
  for (const line of lines.slice(index + 1)) {
    if (!/^\s+\S/.test(line)) break;
    block.push(line.trim());
  }
  return block.join(" ");
}

/**
 * `name` and `description` from a SKILL.md's front matter (`---` … `---`); no YAML dependency,
 * because skills use only these flat keys.
 *
 * @example
 * parseFrontMatter("---\nname: lint\ndescription: Runs the linter\n---\n…"); // { name: "lint", description: "Runs the linter" }
 */
export function parseFrontMatter(text: string): { name: string; description: string } {
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trim() !== "---") return { name: "", description: "" };
  const end = lines.indexOf("---", 1);
  const body = lines.slice(1, end < 0 ? undefined : end);
  const description = frontMatterValue(body, "description");
  return {
    name: frontMatterValue(body, "name"),
    description: description.length > MAX_DESCRIPTION_CHARS ? `${description.slice(0, MAX_DESCRIPTION_CHARS)}…` : description,
  };
}

async function skillsIn(dir: SkillDir, ws: Workspace, room: number): Promise<SkillFile[]> {
  const entries = await readdir(dir.absolute, { withFileTypes: true }).catch(() => []);
  const found: SkillFile[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (found.length >= room) break;
    // Dirent.isDirectory() is false for a symlink to a directory: linked skills are skipped here.
    if (!entry.isDirectory()) continue;
    const absolute = join(dir.absolute, entry.name, "SKILL.md");
    if (await isSymlinkOrMissing(absolute)) continue;
    const path = `${dir.display}/${entry.name}/SKILL.md`;
    if (dir.source === "workspace" && !(await admitted(ws, path))) continue;
    // A SKILL.md that cannot be read (permissions, swapped for a link meanwhile) is simply not listed.
    const head = await readInside(dir.confine, absolute, FRONT_MATTER_BYTES).catch(() => undefined);
    if (!head || head.binary) continue;
    const meta = parseFrontMatter(new TextDecoder().decode(head.bytes));
    found.push({ name: meta.name || entry.name, description: meta.description, source: dir.source, path, absolute, confine: dir.confine });
  }
  return found;
}

/** True when the workspace guard lets `path` be read (not blocked, not leading out). */
async function admitted(ws: Workspace, path: string): Promise<boolean> {
  try {
    await ws.guard(path);
    return true;
  } catch (error) {
    if (isPatchbayError(error)) return false;
    throw error;
  }
}

export interface SkillQuery {
  includeUser?: boolean;
  maxSkills?: number;
}

async function discover(ws: Workspace, query: SkillQuery): Promise<{ skills: SkillFile[]; truncated: boolean }> {
  const max = Math.min(query.maxSkills ?? LIMITS.skillCount, LIMITS.skillCount);
  const userDirs = query.includeUser === false ? [] : await realUserDirs();
  const dirs = [...(await workspaceSkillDirs(ws)), ...userDirs];
  const skills: SkillFile[] = [];
  for (const dir of dirs) {
    // One more than asked, to know whether the list was cut.
    skills.push(...(await skillsIn(dir, ws, max + 1 - skills.length)));
    if (skills.length > max) break;
  }
  return { skills: skills.slice(0, max), truncated: skills.length > max };
}

/** User and plugin skill folders that exist and are not symlinks, confined to their real location. */
async function realUserDirs(): Promise<SkillDir[]> {
  const dirs: SkillDir[] = [];
  for (const dir of [...userSkillDirs(), ...(await pluginSkillDirs())]) {
    if (await isSymlinkOrMissing(dir.absolute)) continue;
    dirs.push({ ...dir, confine: await realpath(dir.absolute) });
  }
  return dirs;
}

export const skillListSchema = v.object({
  skills: v.array(skillSchema),
  counts: v.object({ total: v.number(), workspace: v.number(), user: v.number(), plugin: v.number(), other: v.number() }),
  truncated: v.boolean(),
});
export type SkillList = v.InferOutput<typeof skillListSchema>;

/**
 * Skills in the repository's skill folders and (unless `includeUser: false`) the user's, at most
 * `maxSkills` (LIMITS.skillCount).
 *
 * @example
 * const { skills } = await listSkills(ws, { includeUser: false });
 */
export async function listSkills(ws: Workspace, query: SkillQuery = {}): Promise<SkillList> {
  const { skills, truncated } = await discover(ws, query);
  const counts = { total: skills.length, workspace: 0, user: 0, plugin: 0, other: 0 };
  for (const skill of skills) counts[skill.source]++;
  return { skills: skills.map(({ name, description, source, path }) => ({ name, description, source, path })), counts, truncated };
}

export const loadedSkillSchema = v.object({ skill: skillSchema, content: v.string(), bytes: v.number(), total_bytes: v.number(), truncated: v.boolean() });
export type LoadedSkill = v.InferOutput<typeof loadedSkillSchema>;

/**
 * One skill's SKILL.md by name, optionally narrowed by `source` or sanitized `path`. A name found
 * in several places is `skill_ambiguous` (listing them) rather than a silent pick.
 */
export async function loadSkill(
  ws: Workspace,
  request: { name: string; source?: SkillSource; path?: string; maxBytes?: number } & SkillQuery,
): Promise<LoadedSkill> {
  const { skills } = await discover(ws, { includeUser: request.includeUser, maxSkills: request.maxSkills });
  const matches = skills.filter(
    (skill) => skill.name === request.name && (!request.source || skill.source === request.source) && (!request.path || skill.path === request.path),
  );
  if (matches.length === 0) {
    const meant = likelyMeant(request.name, [...new Set(skills.map((skill) => skill.name))]);
    const where = request.source ? ` in ${request.source} skills` : "";
    throw new PatchbayError(
      "skill_not_found",
      `no skill named ${JSON.stringify(request.name)}${where}${meant ? ` (did you mean ${JSON.stringify(meant)}?)` : ""}`,
      {
        next: "call codex_list_skills for the available names",
      },
    );
  }
  const [match] = matches;
  if (!match || matches.length > 1) {
    const places = matches.map((skill) => ({ source: skill.source, path: skill.path }));
    throw new PatchbayError(
      "skill_ambiguous",
      `${matches.length} skills are named ${JSON.stringify(request.name)}: ${places.map((place) => `${place.source} (${place.path})`).join(", ")}`,
      {
        next: "call codex_load_skill again with source and, if still ambiguous, path",
        details: { name: request.name, matches: places },
      },
    );
  }
  const read = await readInside(match.confine, match.absolute, Math.min(request.maxBytes ?? LIMITS.skillBytes, LIMITS.skillBytes));
  const { name, description, source, path } = match;
  return {
    skill: { name, description, source, path },
    content: new TextDecoder().decode(read.bytes),
    bytes: read.bytes.length,
    total_bytes: read.size,
    truncated: read.truncated,
  };
}
