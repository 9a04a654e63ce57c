import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { parse, stringify } from "smol-toml";
import { PatchbayError } from "../errors/index.ts";
import { SECRET_WORDS } from "../redact/index.ts";
import { writeConfigFile } from "./load.ts";
import { profileFile, profilesDir } from "./paths.ts";
import { type Config, configSchema } from "./schema.ts";
import * as v from "valibot";

/**
 * Which profile each repository uses: `profiles/roots.json` maps a root's real path to a profile
 * name. `patchbay start` in that root loads it unless `--profile` or `--no-profile` says otherwise.
 */
function rootsFile(home: string): string {
  return join(profilesDir(home), "roots.json");
}

export async function readRootProfiles(home: string): Promise<Record<string, string>> {
  try {
    const data: unknown = JSON.parse(await readFile(rootsFile(home), "utf8"));
    return typeof data === "object" && data !== null && !Array.isArray(data) ? (data as Record<string, string>) : {};
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new PatchbayError("config_invalid", `${rootsFile(home)}: not valid JSON`, { next: `fix or remove ${rootsFile(home)}` });
  }
}

export async function rootProfile(home: string, root: string): Promise<string | undefined> {
  return (await readRootProfiles(home))[root];
}

/** Makes `root` use profile `name` (undefined: no profile). */
export async function useProfile(home: string, root: string, name: string | undefined): Promise<void> {
  if (name !== undefined) await assertProfileExists(home, name);
  const roots = await readRootProfiles(home);
  if (name === undefined) delete roots[root];
  else roots[root] = name;
  await writeConfigFile(rootsFile(home), `${JSON.stringify(roots, null, 2)}\n`);
}

async function assertProfileExists(home: string, name: string): Promise<void> {
  try {
    await readFile(profileFile(home, name));
  } catch {
    throw new PatchbayError("invalid_profile", `profile "${name}" does not exist in ${profilesDir(home)}`, {
      next: "`patchbay settings list` shows the profiles",
    });
  }
}

/** Removes a profile and every root that used it. */
export async function deleteProfile(home: string, name: string): Promise<string[]> {
  await assertProfileExists(home, name);
  await rm(profileFile(home, name));
  const roots = await readRootProfiles(home);
  const released = Object.keys(roots).filter((root) => roots[root] === name);
  for (const root of released) delete roots[root];
  if (released.length > 0) await writeConfigFile(rootsFile(home), `${JSON.stringify(roots, null, 2)}\n`);
  return released;
}

/** A key whose last word is a secret word; profiles keep only names of variables that hold secrets. */
const SECRET_KEY = new RegExp(`(^|_)(${SECRET_WORDS.join("|")})$`, "i");

/**
 * Sets `key` (dotted, e.g. `server.port`) in profile `name`, creating it, and checks the profile
 * against the config schema, then with `check` (what layers above config know, such as the
 * agent names), before writing. `value` is read as TOML (`9000`, `true`, `["a"]`), else taken as
 * a string. Secret-looking keys are refused: a profile is a plain file.
 *
 * @example
 * await setProfileKey(home, "dev", "agents.commands.codex", "/opt/bin/codex", checkAgentNames);
 */
export async function setProfileKey(
  home: string,
  name: string,
  key: string,
  value: string,
  check: (profile: Config, file: string) => void = () => {},
): Promise<string> {
  const path = key.split(".");
  if (path.some((part) => !/^[a-z_][a-z0-9_]*$/.test(part)))
    throw new PatchbayError("invalid_key", `"${key}" is not a config key such as server.port`, { next: "`patchbay settings show` lists the keys" });
  if (SECRET_KEY.test(path.at(-1)!) && path.at(-1) !== "token_env") {
    throw new PatchbayError("invalid_key", `${key} looks like a secret, and profiles never store secrets`, {
      next: "put the secret in an environment variable (auth.token_env names the token's)",
    });
  }
  const file = profileFile(home, name);
  const text = await readFile(file, "utf8").catch(() => `# patchbay profile "${name}"\n`);
  const doc = parse(text) as Record<string, any>;
  let node = doc;
  for (const part of path.slice(0, -1)) node = node[part] ??= {};
  node[path.at(-1)!] = parseValue(value);
  const checked = v.safeParse(configSchema, doc, { abortPipeEarly: true });
  if (!checked.success) {
    const issue = checked.issues[0]!;
    throw new PatchbayError("invalid_value", `${key}: ${issue.type === "never" ? "unknown key" : issue.message}`, {
      next: "`patchbay settings show` lists the keys and their current values",
    });
  }
  check(checked.output, file);
  const header = text
    .split("\n")
    .filter((line) => line.startsWith("#"))
    .join("\n");
  await writeConfigFile(file, `${header ? `${header}\n` : ""}${stringify(doc)}`);
  return file;
}

function parseValue(text: string): unknown {
  try {
    return (parse(`value = ${text}`) as { value: unknown }).value;
  } catch {
    return text;
  }
}
