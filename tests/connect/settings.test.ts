import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { connectBinary, runConnect } from "./support.ts";

afterAll(removeTempDirs);

function box() {
  const root = tempDir("pb-settings-");
  const ws = makeGitRepo({ "README.md": "# s\n" }, { prefix: "pb-settings-ws-" });
  return { root, ws, env: { HOME: root, PATCHBAY_HOME: join(root, "pb") } };
}

const mode = async (args: string[], b: ReturnType<typeof box>) =>
  JSON.parse((await runConnect(["start", "--print-only", "--json", ...args], { cwd: b.ws, env: b.env })).stdout).setup_guide.tool_mode;

describe("profiles per repository and patchbay settings", () => {
  test("--save-profile makes the repository use it; --no-profile ignores it; list, set, use and delete", async () => {
    const b = box();
    expect((await runConnect(["start", "--print-only", "--save-profile", "--profile", "dev", "--tool-mode", "full"], { cwd: b.ws, env: b.env })).code).toBe(0);
    expect(await mode([], b)).toBe("full");
    expect(await mode(["--no-profile"], b)).toBe("worker");

    const list = JSON.parse((await runConnect(["settings", "list", "--json"], { cwd: b.ws, env: b.env })).stdout);
    expect(list.profiles).toEqual([{ name: "dev", file: join(b.root, "pb", "profiles", "dev.toml"), roots: [b.ws] }]);

    expect((await runConnect(["settings", "set", "app.tool_mode", "standard", "--profile", "dev"], { cwd: b.ws, env: b.env })).code).toBe(0);
    expect(await mode([], b)).toBe("standard");
    const secret = await runConnect(["settings", "set", "auth.token", "abc", "--profile", "dev"], { cwd: b.ws, env: b.env });
    expect(secret.code).toBe(2);
    expect(secret.stderr).toContain("profiles never store secrets");
    const bad = await runConnect(["settings", "set", "app.tool_mode", "max", "--profile", "dev"], { cwd: b.ws, env: b.env });
    expect(bad.stderr).toContain('app.tool_mode: expected one of minimal, worker, standard, full, got "max"');
    expect(readFileSync(join(b.root, "pb", "profiles", "dev.toml"), "utf8")).not.toContain("abc");

    expect((await runConnect(["settings", "use", "--none"], { cwd: b.ws, env: b.env })).code).toBe(0);
    expect(await mode([], b)).toBe("worker");
    expect((await runConnect(["settings", "use", "dev"], { cwd: b.ws, env: b.env })).code).toBe(0);
    expect(await mode([], b)).toBe("standard");
    expect((await runConnect(["settings", "delete", "dev"], { cwd: b.ws, env: b.env })).stdout).toContain(`deleted profile dev; no longer used by ${b.ws}`);
    expect(existsSync(join(b.root, "pb", "profiles", "dev.toml"))).toBe(false);
    expect(await mode([], b)).toBe("worker");
  });

  test("settings and settings show print the effective configuration", async () => {
    const b = box();
    const bare = await runConnect(["settings"], { cwd: b.ws, env: b.env });
    const show = await runConnect(["settings", "show"], { cwd: b.ws, env: b.env });
    expect(bare.stdout).toContain("server.port = 8000");
    expect(show.stdout).toBe(bare.stdout);
  });

  test("setup registers the host non-interactively and ends with the first prompt", async () => {
    const b = box();
    const result = JSON.parse((await runConnect(["setup", "--host", "gemini", "--tool-mode", "standard", "--json"], { cwd: b.ws, env: b.env })).stdout);
    expect(result).toMatchObject({ host: "gemini", scope: "project", status: "added" });
    expect(result.first_prompt).toContain("codex_self_test");
    const entry = JSON.parse(readFileSync(join(b.ws, ".gemini", "settings.json"), "utf8")).mcpServers.patchbay;
    expect(entry).toEqual({ command: connectBinary(), args: ["stdio", "--root", b.ws, "--tool-mode", "standard"], env: { PATCHBAY_HOME: join(b.root, "pb") } });
  });

  test("setup --power full registers sessions that may use the power tools", async () => {
    const b = box();
    const result = JSON.parse(
      (await runConnect(["setup", "--host", "gemini", "--tool-mode", "full", "--power", "full", "--json"], { cwd: b.ws, env: b.env })).stdout,
    );
    expect(result.status).toBe("added");
    const entry = JSON.parse(readFileSync(join(b.ws, ".gemini", "settings.json"), "utf8")).mcpServers.patchbay;
    expect(entry.args).toEqual(["stdio", "--root", b.ws, "--tool-mode", "full", "--power", "full"]);
  });
});
