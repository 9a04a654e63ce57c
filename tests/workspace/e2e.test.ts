/** Workspace tools through the compiled binary and a real MCP client, as a host uses them. */
import { afterAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { connectStdio } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

test("a host orients itself, reads and searches, and writes only when the operator allowed it", async () => {
  // The first commit tracks app.ts and AGENTS.md; .env stays untracked.
  const root = makeGitRepo(
    {
      "AGENTS.md": "# Rules\nRun the tests before you stop.\n",
      "app.ts": "export const answer = 42;\n",
      ".env": "OPENAI_API_KEY=sk-proj-0123456789abcdefghijklmnopqrstuvwxyzABCD\n",
    },
    { prefix: "patchbay-e2e-", untracked: [".env"] },
  );
  const locked = await connectStdio("v1", { home: tempDir(), args: ["--standalone", "--root", root] });
  try {
    const open = (await locked.callTool("codex_open_workspace")).structuredContent as { git: { branch: string; head: { subject: string } }; agents: unknown };
    expect(open.git.branch).toBe("main");
    expect(open.git.head.subject).toBe("first");
    expect(JSON.stringify(open.agents)).toContain("Run the tests");
    const file = (await locked.callTool("codex_read_file", { file_path: "app.ts" })).structuredContent as { content: string };
    expect(file.content).toBe("export const answer = 42;\n");
    const env = await locked.callTool("codex_read_file", { file_path: ".env" });
    expect(env.isError).toBe(true);
    await locked.callTool("codex_tool_mode_switch", { mode: "full" });
    expect(await locked.listToolNames()).not.toContain("codex_write_file");
  } finally {
    await locked.close();
  }

  const allowed = await connectStdio("v2-legacy", { home: tempDir(), args: ["--standalone", "--root", root, "--direct-write", "--tool-mode", "standard"] });
  try {
    expect(await allowed.listToolNames()).toContain("codex_write_file");
    const written = await allowed.callTool("codex_write_file", { file_path: "notes/todo.md", content: "ship it\n", create_dirs: true });
    expect(written.isError).toBeFalsy();
    expect(readFileSync(join(root, "notes", "todo.md"), "utf8")).toBe("ship it\n");
    const status = (await allowed.callTool("codex_git_status")).structuredContent as { untracked: string[] };
    expect(JSON.stringify(status)).toContain("notes/");
  } finally {
    await allowed.close();
  }
});
