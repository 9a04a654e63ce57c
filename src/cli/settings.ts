import { defineCommand } from "citty";
import { checkAgentNames, loadCheckedConfig } from "../agents/index.ts";
import {
  deleteProfile,
  importOriginalConfig,
  listProfiles,
  patchbayHome,
  profileFile,
  readRootProfiles,
  rootProfile,
  setProfileKey,
  settingsView,
  useProfile,
} from "../config/index.ts";
import { repositoryRoot } from "../connect/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { repeatedFlag } from "./launch-args.ts";
import { emit } from "./output.ts";

/** `server.port = 8000` lines, one per leaf, so people can grep them. */
function flatten(value: unknown, prefix = ""): string[] {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    return Object.entries(value).flatMap(([key, inner]) => flatten(inner, prefix ? `${prefix}.${key}` : key));
  }
  return [`${prefix} = ${JSON.stringify(value)}`];
}

const showArgs = {
  profile: { type: "string", description: "Apply profiles/NAME.toml over config.toml", valueHint: "NAME" },
  json: { type: "boolean", description: "Print as JSON" },
  "reveal-token": { type: "boolean", description: "Show the HTTP token instead of [redacted]" },
} as const;

async function showSettings(args: { profile?: string; json?: boolean; "reveal-token"?: boolean }): Promise<number> {
  const home = patchbayHome();
  // What `start` here would use: --profile, else the profile this repository uses (`settings use`).
  const profile = await profileFor(home, repositoryRoot(undefined), args.profile, false);
  const config = await loadCheckedConfig({ home, profile });
  const view = settingsView(config, { env: process.env, revealToken: Boolean(args["reveal-token"]) });
  emit(args.json, { home, profile: profile ?? null, settings: view }, () =>
    [`# PATCHBAY_HOME = ${home}`, `# profile = ${profile ?? "none"}`, ...flatten(view)].join("\n"),
  );
  return 0;
}

const show = defineCommand({
  meta: {
    name: "show",
    description: "Show the effective configuration (file, profile: --profile or this repository's, environment), secrets redacted",
  },
  args: showArgs,
  run: ({ args }) => showSettings(args),
});

const list = defineCommand({
  meta: { name: "list", description: "List the saved profiles and the repositories that use each" },
  args: { json: { type: "boolean", description: "Print as JSON" } },
  async run({ args }) {
    const home = patchbayHome();
    const roots = await readRootProfiles(home);
    const profiles = (await listProfiles(home)).map((name) => ({
      name,
      file: profileFile(home, name),
      roots: Object.keys(roots).filter((root) => roots[root] === name),
    }));
    emit(args.json, { home, profiles }, () =>
      profiles.length === 0
        ? "no profiles yet (`patchbay start --profile NAME --save-profile` saves one)"
        : profiles.map((p) => `${p.name}${p.roots.length ? `  (used by ${p.roots.join(", ")})` : ""}`).join("\n"),
    );
    return 0;
  },
});

const set = defineCommand({
  meta: { name: "set", description: "Set a config key in a profile (secrets are refused: keep them in environment variables)" },
  args: {
    key: { type: "positional", description: "Dotted key, e.g. server.port", valueHint: "KEY" },
    value: { type: "positional", description: 'TOML value (9000, true, ["a"]) or plain text', valueHint: "VALUE" },
    profile: { type: "string", description: "Profile to change (default: default)", valueHint: "NAME" },
    json: { type: "boolean", description: "Print as JSON" },
  },
  async run({ args }) {
    const name = args.profile ?? "default";
    const file = await setProfileKey(patchbayHome(), name, String(args.key), String(args.value), checkAgentNames);
    emit(args.json, { ok: true, profile: name, file, key: args.key }, () => `set ${args.key} in profile ${name} (${file})`);
    return 0;
  },
});

const use = defineCommand({
  meta: { name: "use", description: "Make a repository use a profile when `patchbay start` runs there (--none: no profile)" },
  args: {
    name: { type: "positional", required: false, description: "Profile name", valueHint: "NAME" },
    root: { type: "string", description: "Repository (default: the git work tree around the current directory)", valueHint: "DIR" },
    none: { type: "boolean", description: "Forget the repository's profile" },
    json: { type: "boolean", description: "Print as JSON" },
  },
  async run({ args }) {
    const home = patchbayHome();
    const root = repositoryRoot(args.root);
    const name = args.none ? undefined : args.name;
    if (!args.none && !name) throw new PatchbayError("usage", "name a profile, or pass --none", { next: "`patchbay settings list` shows the profiles" });
    await useProfile(home, root, name);
    emit(args.json, { ok: true, root, profile: name ?? null }, () => (name ? `${root} now uses profile ${name}` : `${root} uses no profile`));
    return 0;
  },
});

const remove = defineCommand({
  meta: { name: "delete", description: "Delete a profile (repositories that used it go back to config.toml alone)" },
  args: { name: { type: "positional", description: "Profile name", valueHint: "NAME" }, json: { type: "boolean", description: "Print as JSON" } },
  async run({ args }) {
    const released = await deleteProfile(patchbayHome(), String(args.name));
    emit(
      args.json,
      { ok: true, deleted: args.name, roots: released },
      () => `deleted profile ${args.name}${released.length ? `; no longer used by ${released.join(", ")}` : ""}`,
    );
    return 0;
  },
});

const importOriginal = defineCommand({
  meta: { name: "import", description: "Convert the original PatchBay's config.yaml to $PATCHBAY_HOME/config.toml (refuses, by key, what has no equivalent)" },
  args: {
    file: { type: "positional", description: "The original's config.yaml", valueHint: "FILE.yaml" },
    "dry-run": { type: "boolean", description: "Print the config.toml it would write, and write nothing" },
    force: { type: "boolean", description: "Replace an existing config.toml" },
    drop: { type: "string", description: "Leave this key of the original out, whatever its value (repeatable), e.g. --drop tunnel.hostname", valueHint: "KEY" },
    json: { type: "boolean", description: "Print as JSON" },
  },
  async run({ args, rawArgs }) {
    const dryRun = Boolean(args["dry-run"]);
    const result = await importOriginalConfig(patchbayHome(), String(args.file), { dryRun, force: Boolean(args.force), drop: repeatedFlag(rawArgs, "drop") });
    const left = result.keys.filter((key) => key.why);
    emit(args.json, result, () =>
      [
        dryRun ? `# would write ${result.target}:` : `wrote ${result.target}`,
        ...(dryRun ? [result.toml.trimEnd()] : []),
        ...(left.length ? ["left out (patchbay does this its own way):", ...left.map((key) => `  ${key.key}: ${key.why}`)] : []),
      ].join("\n"),
    );
    return 0;
  },
});

/** The profile `start` applies: --profile, else the repository's (`settings use`), unless --no-profile. */
export async function profileFor(home: string, root: string, flag: string | undefined, noProfile: boolean): Promise<string | undefined> {
  if (flag !== undefined) return flag;
  return noProfile ? undefined : rootProfile(home, root);
}

export default defineCommand({
  meta: { name: "settings", description: "Show the effective configuration; list, set, use and delete profiles; import the original's config.yaml" },
  args: showArgs,
  subCommands: { list, show, set, use, delete: remove, import: importOriginal },
  run: ({ args }) => showSettings(args),
});
