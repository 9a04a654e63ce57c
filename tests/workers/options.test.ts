/** codex_worker_options: a built-in agent's menu comes from `[workers.models]`, else asking it (codex), else its adapter's list. */
import { afterAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { loadConfig } from "../../src/config/index.ts";
import { WORKER_TOOLS } from "../../src/workers/tools/index.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { harnessSet } from "../support/tools.ts";

type Menus = { agents: Array<{ agent: string; source: string; models: Array<{ id: string }>; truncated: boolean }> };
const harnesses = harnessSet(WORKER_TOOLS, {
  configToml: `[agents]\ncodex_command = "/bin/false"\n\n[workers]\nclaude_models = ["claude-sonnet-4-5", "opus"]\ngemini_models = []\n`,
});
const defaults = harnessSet(WORKER_TOOLS, { configToml: `[agents]\ncodex_command = "/bin/false"\n` });
const models = harnessSet(WORKER_TOOLS, {
  configToml: `[agents.commands]\ncodex = "/bin/false"\n\n[workers.models]\ncodex = ["gpt-5.5"]\nmock = ["mock", "mock-large"]\n`,
});
afterAll(async () => {
  await harnesses.closeAll();
  await defaults.closeAll();
  await models.closeAll();
  removeTempDirs();
});

const menu = (result: Menus, agent: string) => result.agents.find((entry) => entry.agent === agent)!;

test("the configured claude and gemini lists are the menu", async () => {
  const h = await harnesses.open(makeGitRepo({ "a.txt": "a\n" }));
  const result = await h.ok<Menus>("codex_worker_options", {});
  expect(menu(result, "claude")).toEqual({
    agent: "claude",
    source: "configured list",
    models: [{ id: "claude-sonnet-4-5" }, { id: "opus" }],
    truncated: false,
  });
  expect(menu(result, "gemini").models).toEqual([]);
  expect(menu(await h.ok<Menus>("codex_worker_options", { model: "opus" }), "claude").models).toEqual([{ id: "opus" }]);
  expect(menu(await h.ok<Menus>("codex_worker_options", { max_models: 1 }), "claude")).toMatchObject({
    models: [{ id: "claude-sonnet-4-5" }],
    truncated: true,
  });
});

test("without config the built-in defaults are offered", async () => {
  const h = await defaults.open(makeGitRepo({ "a.txt": "a\n" }));
  const result = await h.ok<Menus>("codex_worker_options", {});
  expect(result.agents.map((entry) => entry.agent)).toEqual(["codex", "claude", "gemini", "mock"]);
  expect(menu(result, "claude")).toMatchObject({ source: "built-in list", models: [{ id: "sonnet" }, { id: "opus" }, { id: "haiku" }] });
  expect(menu(result, "gemini").models.map((model) => model.id)).toEqual(["gemini-2.5-pro", "gemini-2.5-flash"]);
});

test("[workers.models] sets any built-in agent's menu, codex's and mock's too; the others keep theirs", async () => {
  const h = await models.open(makeGitRepo({ "a.txt": "a\n" }));
  const result = await h.ok<Menus>("codex_worker_options", {});
  expect(menu(result, "codex")).toEqual({ agent: "codex", source: "configured list", models: [{ id: "gpt-5.5" }], truncated: false });
  expect(menu(result, "mock").models).toEqual([{ id: "mock" }, { id: "mock-large" }]);
  expect(menu(result, "claude").source).toBe("built-in list");
});

test("a model id with spaces or shell characters is a config error", async () => {
  const home = tempDir();
  writeFileSync(`${home}/config.toml`, `[workers]\nclaude_models = ["ok", "bad id; rm -rf"]\n`);
  await expect(loadConfig({ home })).rejects.toMatchObject({ code: "config_invalid" });
});
