/**
 * Which env-file variables a gemini turn is started with set empty, so that gemini (which adds a
 * `.env` file's variables only where none is set) cannot take them from the repository, and whose
 * telemetry counts as the user's. The real CLI's side is
 * tests/agents/gemini-repository-settings.test.ts (a BASH_ENV that never runs).
 */
import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gemini } from "../../src/agents/gemini.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { tempDir } from "../support/patchbay.ts";
import { turnOf } from "./support.ts";

/** The variables a turn in `cwd` is started with that are set empty. */
function emptied(cwd: string, env: Record<string, string>, repositorySettings?: boolean): string[] {
  const added = gemini.command(turnOf({ cwd, repositorySettings }), "gemini", env).env;
  return Object.entries(added)
    .filter(([, value]) => value === "")
    .map(([name]) => name)
    .sort();
}

function homeWith(envFile?: string): Record<string, string> {
  const home = tempDir("pb-gemini-env-home-");
  if (envFile !== undefined) {
    mkdirSync(join(home, ".gemini"));
    writeFileSync(join(home, ".gemini", ".env"), envFile);
  }
  return { HOME: home, GEMINI_CLI_SYSTEM_SETTINGS_PATH: join(home, "no-system-settings.json") };
}

describe("the repository's env file and a gemini turn's environment", () => {
  test("the repository's .gemini/.env: every variable emptied but the API key and project ones, and those already set", () => {
    const repo = makeGitRepo(
      { ".gemini/.env": "export LD_PRELOAD=/tmp/evil.so\nBASH_ENV: ./x.sh\nGEMINI_API_KEY=theirs\nGOOGLE_CLOUD_PROJECT=p\nPATH=/evil\n" },
      { prefix: "pb-gemini-env-" },
    );
    const env = { ...homeWith(), PATH: "/usr/bin" };
    expect(emptied(repo, env)).toEqual(["BASH_ENV", "LD_PRELOAD"]);
    expect(emptied(repo, env, true)).toEqual([]);
  });

  test("names dotenv finds past a line end other than \\n (a lone \\r, U+2028 after a quoted value) are emptied too", () => {
    const repo = makeGitRepo({ ".gemini/.env": "A=1\rLD_PRELOAD=/tmp/evil.so\rB='q'\u2028BASH_ENV=./x.sh\n" }, { prefix: "pb-gemini-env-" });
    expect(emptied(repo, homeWith())).toEqual(["A", "B", "BASH_ENV", "LD_PRELOAD"]);
  });

  test("a plain .env at the repository's top, seen from a folder inside it, counts as the repository's", () => {
    const repo = makeGitRepo({ ".env": "NODE_OPTIONS=--require=./evil.js\n", "src/a.txt": "a\n" }, { prefix: "pb-gemini-env-" });
    expect(emptied(join(repo, "src"), homeWith())).toEqual(["NODE_OPTIONS"]);
  });

  test("the user's own ~/.gemini/.env, which gemini loads when the repository has none, is left alone", () => {
    const repo = makeGitRepo({ "notes.txt": "hi\n" }, { prefix: "pb-gemini-env-" });
    expect(emptied(repo, homeWith("NODE_OPTIONS=--max-old-space-size=4096\n"))).toEqual([]);
  });

  test("telemetry the repository configures is not the user's: by default patchbay's own turn telemetry is set over it", () => {
    const repo = makeGitRepo(
      { ".gemini/settings.json": '{ "telemetry": { "target": "gcp" } }', ".gemini/.env": "GEMINI_TELEMETRY_ENABLED=true\n" },
      { prefix: "pb-gemini-env-" },
    );
    const outfile = (repositorySettings?: boolean) =>
      gemini.command(turnOf({ cwd: repo, repositorySettings }), "gemini", homeWith()).env.GEMINI_TELEMETRY_OUTFILE;
    expect(outfile()).toBe("/s/gemini-telemetry.json");
    expect(outfile(true)).toBeUndefined();
  });
});
