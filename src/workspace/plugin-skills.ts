/**
 * Skill folders inside installed agent plugins (the `plugin` source of codex_list_skills and
 * codex_load_skill): every `skills` folder at most a few levels under `$CODEX_HOME/plugins` and
 * `~/.claude/plugins` (marketplaces and their cache), found without following a symlink and
 * bounded, shown as `~/…` or `$CODEX_HOME/…`, never as an absolute path.
 */
import { readdir } from "node:fs/promises";
import { homedir } from "node:os";
import { join, relative, resolve, sep } from "node:path";
import { isInside } from "./path-guard.ts";

/** Levels below a plugins folder a `skills` folder may sit (cache/<marketplace>/<plugin>/<version>/skills). */
const MAX_DEPTH = 5;
/** Folders visited at most under each plugins folder. */
const MAX_FOLDERS = 2_000;

export interface PluginSkillDir {
  absolute: string;
  source: "plugin";
  display: string;
}

/** `skills` folders under `root`, breadth first, never through a symlink. */
async function skillFoldersUnder(root: string): Promise<string[]> {
  const found: string[] = [];
  let level = [root];
  let visited = 0;
  for (let depth = 0; depth < MAX_DEPTH && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      if (++visited > MAX_FOLDERS) return found;
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
        // isDirectory() is false for a symlink to a directory: linked plugins are skipped.
        if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
        (entry.name === "skills" ? found : next).push(join(dir, entry.name));
      }
    }
    level = next;
  }
  return found;
}

/**
 * The plugin skill folders of this user.
 *
 * @example
 * const dirs = await pluginSkillDirs(); // [{ absolute: "/home/me/.claude/plugins/…/skills", display: "~/.claude/plugins/…/skills", source: "plugin" }]
 */
export async function pluginSkillDirs(env: Record<string, string | undefined> = process.env): Promise<PluginSkillDir[]> {
  const home = env.HOME || homedir();
  const codexHome = env.CODEX_HOME ? resolve(env.CODEX_HOME) : join(home, ".codex");
  const display = (path: string) =>
    isInside(home, path) ? `~/${relative(home, path).split(sep).join("/")}` : `$CODEX_HOME/${relative(codexHome, path).split(sep).join("/")}`;
  const roots = [join(codexHome, "plugins"), join(home, ".claude", "plugins")];
  const dirs: PluginSkillDir[] = [];
  for (const root of roots) for (const absolute of await skillFoldersUnder(root)) dirs.push({ absolute, source: "plugin", display: display(absolute) });
  return dirs;
}
