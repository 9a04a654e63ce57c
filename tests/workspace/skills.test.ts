/**
 * codex_list_skills and codex_load_skill with repository skills and user skills (HOME and
 * CODEX_HOME pointed at temp directories), called through the real registry.
 */
import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { parseFrontMatter, type LoadedSkill, type SkillList } from "../../src/workspace/skills.ts";
import { SKILL_TOOLS } from "../../src/workspace/tools/skills.ts";
import { writeFiles } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { harnessSet } from "../support/tools.ts";

const skill = (name: string, description: string) => `---\nname: ${name}\ndescription: ${description}\n---\n\n# ${name}\n\nSteps for ${name}.\n`;

const saved = { HOME: process.env.HOME, CODEX_HOME: process.env.CODEX_HOME };
let home = "";
beforeEach(() => {
  home = tempDir("patchbay-home-");
  process.env.HOME = home;
  delete process.env.CODEX_HOME;
});
afterEach(() => {
  process.env.HOME = saved.HOME;
  if (saved.CODEX_HOME === undefined) delete process.env.CODEX_HOME;
  else process.env.CODEX_HOME = saved.CODEX_HOME;
});

const { open: harnessFor, closeAll } = harnessSet(SKILL_TOOLS, { mode: "standard" });
afterAll(async () => {
  await closeAll();
  removeTempDirs();
});

describe("codex_list_skills", () => {
  test("finds repository and user skills with sanitized paths, never the absolute home", async () => {
    const repo = tempDir("patchbay-skills-");
    writeFiles(repo, {
      ".agents/skills/lint/SKILL.md": skill("lint", "Runs the linter"),
      ".claude/skills/review/SKILL.md": skill("review", "Reviews a diff"),
      "skills/notes.md": "not a skill\n",
    });
    writeFiles(home, { ".codex/skills/deploy/SKILL.md": skill("deploy", "Ships it"), ".claude/skills/draw/SKILL.md": skill("draw", "Draws") });
    const list = await (await harnessFor(repo)).ok<SkillList>("codex_list_skills");
    expect(list.skills).toEqual([
      { name: "lint", description: "Runs the linter", source: "workspace", path: ".agents/skills/lint/SKILL.md" },
      { name: "review", description: "Reviews a diff", source: "workspace", path: ".claude/skills/review/SKILL.md" },
      { name: "deploy", description: "Ships it", source: "user", path: "~/.codex/skills/deploy/SKILL.md" },
      { name: "draw", description: "Draws", source: "user", path: "~/.claude/skills/draw/SKILL.md" },
    ]);
    expect(list.counts).toEqual({ total: 4, workspace: 2, user: 2, plugin: 0, other: 0 });
    expect(JSON.stringify(list)).not.toContain(home);
  });

  test("include_global_skills: false lists only the repository's", async () => {
    const repo = tempDir("patchbay-skills-");
    writeFiles(repo, { "skills/lint/SKILL.md": skill("lint", "Lints") });
    writeFiles(home, { ".agents/skills/deploy/SKILL.md": skill("deploy", "Ships") });
    const list = await (await harnessFor(repo)).ok<SkillList>("codex_list_skills", { include_global_skills: false });
    expect(list.skills.map((s) => s.path)).toEqual(["skills/lint/SKILL.md"]);
  });

  test("a symlinked skill directory or SKILL.md is skipped", async () => {
    const repo = tempDir("patchbay-skills-");
    const elsewhere = tempDir("patchbay-elsewhere-");
    writeFiles(elsewhere, { "evil/SKILL.md": skill("evil", "From outside"), "file.md": skill("linked-file", "Linked file") });
    writeFiles(repo, { ".agents/skills/real/SKILL.md": skill("real", "Real") });
    symlinkSync(join(elsewhere, "evil"), join(repo, ".agents/skills/evil"));
    mkdirSync(join(repo, ".agents/skills/linked-file"));
    symlinkSync(join(elsewhere, "file.md"), join(repo, ".agents/skills/linked-file/SKILL.md"));
    mkdirSync(join(home, ".codex/skills"), { recursive: true });
    symlinkSync(join(elsewhere, "evil"), join(home, ".codex/skills/evil"));
    const list = await (await harnessFor(repo)).ok<SkillList>("codex_list_skills");
    expect(list.skills.map((s) => s.name)).toEqual(["real"]);
  });

  test("a CODEX_HOME outside the home directory is the other source, shown as $CODEX_HOME", async () => {
    const repo = tempDir("patchbay-skills-");
    const codexHome = tempDir("patchbay-codex-home-");
    process.env.CODEX_HOME = codexHome;
    writeFiles(codexHome, { "skills/ship/SKILL.md": skill("ship", "Ships") });
    const list = await (await harnessFor(repo)).ok<SkillList>("codex_list_skills");
    expect(list.skills).toEqual([{ name: "ship", description: "Ships", source: "other", path: "$CODEX_HOME/skills/ship/SKILL.md" }]);
  });

  test("max_skills bounds the list and says it was truncated", async () => {
    const repo = tempDir("patchbay-skills-");
    writeFiles(repo, Object.fromEntries(["a", "b", "c"].map((name) => [`skills/${name}/SKILL.md`, skill(name, name)])));
    const list = await (await harnessFor(repo)).ok<SkillList>("codex_list_skills", { max_skills: 2 });
    expect(list.skills.map((s) => s.name)).toEqual(["a", "b"]);
    expect(list.truncated).toBe(true);
  });
});

describe("codex_load_skill", () => {
  test("loads a skill's SKILL.md by name", async () => {
    const repo = tempDir("patchbay-skills-");
    writeFiles(repo, { ".codex/skills/lint/SKILL.md": skill("lint", "Lints") });
    const loaded = await (await harnessFor(repo)).ok<LoadedSkill>("codex_load_skill", { name: "lint" });
    expect(loaded.skill).toEqual({ name: "lint", description: "Lints", source: "workspace", path: ".codex/skills/lint/SKILL.md" });
    expect(loaded.content).toBe(skill("lint", "Lints"));
    expect(loaded.truncated).toBe(false);
  });

  test("a name in several sources is skill_ambiguous until source chooses one", async () => {
    const repo = tempDir("patchbay-skills-");
    writeFiles(repo, { ".agents/skills/lint/SKILL.md": skill("lint", "Repo lint") });
    writeFiles(home, { ".codex/skills/lint/SKILL.md": skill("lint", "User lint") });
    const harness = await harnessFor(repo);
    const result = await harness.call("codex_load_skill", { name: "lint" });
    expect(result.isError).toBe(true);
    expect(result._meta?.["patchbay/error"]).toMatchObject({
      code: "skill_ambiguous",
      details: {
        name: "lint",
        matches: [
          { source: "workspace", path: ".agents/skills/lint/SKILL.md" },
          { source: "user", path: "~/.codex/skills/lint/SKILL.md" },
        ],
      },
    });
    const user = await harness.ok<LoadedSkill>("codex_load_skill", { name: "lint", source: "user" });
    expect(user.skill.description).toBe("User lint");
    expect(user.skill.path).toBe("~/.codex/skills/lint/SKILL.md");
  });

  test("max_bytes cuts the content and says so; an unknown name is skill_not_found", async () => {
    const repo = tempDir("patchbay-skills-");
    writeFiles(repo, { "skills/long/SKILL.md": skill("long", "Long") + "x".repeat(1000) });
    const harness = await harnessFor(repo);
    const loaded = await harness.ok<LoadedSkill>("codex_load_skill", { name: "long", max_bytes: 10 });
    expect({ content: loaded.content, bytes: loaded.bytes, truncated: loaded.truncated }).toEqual({ content: "---\nname: ", bytes: 10, truncated: true });
    expect(await harness.errorCode("codex_load_skill", { name: "nope" })).toBe("skill_not_found");
    // A misspelt name is refused naming the one meant, which then loads.
    const misspelt = await harness.call("codex_load_skill", { name: "lnog" });
    const meant = /\(did you mean "([^"]+)"\?\)/.exec(misspelt.content.map((block) => ("text" in block ? block.text : "")).join(""))?.[1];
    expect(meant).toBe("long");
    expect((await harness.ok<LoadedSkill>("codex_load_skill", { name: meant })).skill.name).toBe("long");
  });

  test("a skill file matched by a blocked glob is never listed or loaded", async () => {
    const repo = tempDir("patchbay-skills-");
    writeFiles(repo, { "skills/keys/SKILL.md": skill("keys", "Keys") });
    const harness = await harnessFor(repo, { configToml: '[repositories]\nblocked_globs = ["skills/keys/**"]\n' });
    expect((await harness.ok<SkillList>("codex_list_skills")).skills).toEqual([]);
    expect(await harness.errorCode("codex_load_skill", { name: "keys" })).toBe("skill_not_found");
  });
});

describe("parseFrontMatter", () => {
  test("reads name and description, quoted or as a folded block, and nothing without front matter", () => {
    expect(parseFrontMatter('---\nname: "lint"\ndescription: >\n  Runs the\n  linter\nother: x\n---\nbody')).toEqual({
      name: "lint",
      description: "Runs the linter",
    });
    expect(parseFrontMatter("# no front matter\nname: x\n")).toEqual({ name: "", description: "" });
  });
});
