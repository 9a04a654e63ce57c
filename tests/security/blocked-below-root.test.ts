/**
 * Red team: blocked globs are written for the allowed root. A repository chosen below it
 * (repo_path) must not show what they block: `config/secret.txt` blocked from the root is
 * `secret.txt` from `config`. codex_read_file refused it, but codex_search_repo printed its lines
 * and codex_repo_tree and codex_git_status listed it. Through the real binary, stdio client.
 */
import { afterAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectStdio } from "../support/clients.ts";
import { makeGitRepo, writeFiles } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

const SECRET = "TOPSECRET-41c7";

test("a file blocked by a glob with a slash stays hidden from search, tree and status in a repository below the allowed root", async () => {
  const root = makeGitRepo({
    "config/secret.txt": `${SECRET} a\n`,
    "config/ok.txt": "visible\n",
    "pkg/keys/k.txt": `${SECRET} b\n`,
    "pkg/keys/readme.md": "visible\n",
  });
  writeFiles(root, { "config/new-secret.txt": `${SECRET} c\n` });
  const home = tempDir();
  writeFileSync(join(home, "config.toml"), `[repositories]\nblocked_globs = ["config/secret.txt", "config/new-*", "*/keys/*.txt", ".env*"]\n`);
  const client = await connectStdio("v2-legacy", { home, args: ["--standalone", "--root", root] });
  try {
    for (const repo_path of ["config", "pkg", "pkg/keys"]) {
      const calls = [
        ["codex_search_repo", { query: "TOPSECRET", repo_path }],
        ["codex_search_repo", { query: "TOPSECRET", repo_path, glob: "*" }],
        ["codex_search_repo", { query: "TOPSECRET", repo_path, regex: true }],
        ["codex_repo_tree", { repo_path }],
        ["codex_git_status", { repo_path }],
      ] as const;
      for (const [tool, args] of calls) {
        const shown = JSON.stringify(await client.callTool(tool, args));
        expect({ tool, args, secret: shown.includes(SECRET) || /secret\.txt|[\s"/]k\.txt/.test(shown) }).toEqual({ tool, args, secret: false });
      }
    }
    const tree = JSON.stringify(await client.callTool("codex_repo_tree", { repo_path: "config" }));
    expect(tree).toContain("ok.txt");
    const keys = JSON.stringify(await client.callTool("codex_repo_tree", { repo_path: "pkg" }));
    expect(keys).toContain("readme.md");
  } finally {
    await client.close();
  }
}, 60_000);
