/**
 * A model that calls a tool with a wrong argument name gets, in that one refusal, every wrong
 * name, the name it meant and the arguments the tool takes, so its next call is right; a wrong
 * tool name gets the tool it meant; a tool the operator turned off says so in every mode; `null`
 * for an optional argument counts as leaving it out and `"20"` for a number as 20, as models mean
 * them. Checked by the next call: the name a refusal suggests is used as a model would, and the
 * call then works.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { likelyMeant } from "../../src/errors/index.ts";
import { connectHttp, connectStdio, type TestClient, type ToolResult } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, runPatchbay, startTestServer, tempDir } from "../support/patchbay.ts";

let client: TestClient;
let repo: string;

beforeAll(async () => {
  repo = realpathSync(makeGitRepo({ "notes.txt": "alpha beta\n", "src/b.ts": "export const beta = 1;\n", "42": "the answer\n" }));
  client = await connectStdio("v2-modern", { home: tempDir(), args: ["--standalone", "--root", repo] });
});
afterAll(async () => {
  await client?.close();
  removeTempDirs();
});

function textOf(result: ToolResult): string {
  return (result.content ?? []).map((block) => (block as { text?: string }).text ?? "").join("");
}

/** The refusal's text, after checking it is an invalid-arguments refusal. */
async function refusal(tool: string, args: Record<string, unknown>): Promise<string> {
  const result = await client.callTool(tool, args);
  expect(result.isError).toBe(true);
  expect(result._meta?.["patchbay/error"]).toMatchObject({ code: "invalid_arguments" });
  return textOf(result);
}

/** `args` with each wrong name the refusal names replaced by the name it suggests, as a model would retry. */
function retried(text: string, args: Record<string, unknown>): Record<string, unknown> {
  const fixed: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(args)) {
    const meant = new RegExp(`\\b${name}: no such argument \\(did you mean (\\w+)\\?\\)`).exec(text)?.[1];
    fixed[meant ?? name] = value;
  }
  return fixed;
}

describe("a wrong argument name", () => {
  test("codex_read_file with `path`: the refusal points at file_path, and the retry reads the file", async () => {
    const args = { path: "notes.txt" };
    const text = await refusal("codex_read_file", args);
    expect(text).not.toContain("alpha");
    expect(text).toMatch(/Its arguments: file_path \(required\), /);
    const read = await client.callTool("codex_read_file", retried(text, args));
    expect(read.isError).toBeFalsy();
    expect(textOf(read)).toContain("alpha beta");
  });

  test("every wrong name in one refusal: a typo and a cap named `limit`, both fixed by one retry", async () => {
    const args = { qurey: "beta", limit: 1 };
    const text = await refusal("codex_search_repo", args);
    const fixed = retried(text, args);
    expect(fixed).toEqual({ query: "beta", max_results: 1 });
    const found = await client.callTool("codex_search_repo", fixed);
    expect(found.isError).toBeFalsy();
    const matches = (found.structuredContent as { matches: unknown[] }).matches;
    expect(matches).toHaveLength(1);
  });

  test("a name that resembles nothing is still named, with the tool's arguments; a tool without any says so", async () => {
    const text = await refusal("codex_git_status", { verbose: true, colour: "always" });
    expect(text).toContain("verbose: no such argument");
    expect(text).toContain("colour: no such argument");
    expect(text).not.toContain("did you mean");
    expect(text).toMatch(/Its arguments: repo_path\b/);
    expect(await refusal("codex_tool_mode_info", { verbose: true })).toContain("Its arguments: none");
  });

  test("a wrong type names the argument and what it takes, and lists no arguments", async () => {
    const text = await refusal("codex_read_file", { file_path: "notes.txt", start_line: true });
    expect(text).toContain("start_line: Invalid type: Expected number but received true");
    expect(text).not.toContain("Its arguments");
  });

  test("a value outside a choice names the choices, and a retry with one of them works", async () => {
    const text = await refusal("codex_tool_mode_switch", { mode: "everything" });
    expect(text).toContain('mode: expected one of minimal, worker, standard, full, got "everything"');
    // The session's own mode, taken from the refusal's list: the retry changes nothing the next tests see.
    const choices = /expected one of ([\w, ]+), got/.exec(text)![1]!.split(", ");
    const retried = await client.callTool("codex_tool_mode_switch", { mode: choices.find((choice) => choice === "worker")! });
    expect(retried.isError).toBeFalsy();
  });
});

describe("values in another shape than the schema's", () => {
  test("an optional argument sent as null counts as not given: the call works as without it", async () => {
    const read = await client.callTool("codex_read_file", { file_path: "notes.txt", repo_path: null, start_line: null, end_line: null, max_bytes: null });
    expect(read.isError).toBeFalsy();
    expect(textOf(read)).toContain("alpha beta");
    const found = await client.callTool("codex_search_repo", { query: "beta", path: null, glob: null, regex: null, max_results: null });
    expect((found.structuredContent as { matches: unknown[] }).matches).toHaveLength(2);
  });

  test("a number, a boolean or a list sent as its JSON text counts as that value where the argument takes it", async () => {
    const read = await client.callTool("codex_read_file", { file_path: "notes.txt", start_line: "1", end_line: "1" });
    expect(read.isError).toBeFalsy();
    expect(textOf(read)).toContain("alpha beta");
    const found = await client.callTool("codex_search_repo", { query: "beta", max_results: "1", regex: "false" });
    expect((found.structuredContent as { matches: unknown[] }).matches).toHaveLength(1);
    // A string argument keeps a string that reads as a number: the file is named "42".
    expect(textOf(await client.callTool("codex_read_file", { file_path: "42" }))).toContain("the answer");
    // Text that is no JSON of what the argument takes is still refused, naming what came.
    expect(await refusal("codex_read_file", { file_path: "notes.txt", start_line: "two" })).toContain(
      'start_line: Invalid type: Expected number but received "two"',
    );
  });

  test("a required argument sent as null is still refused, naming it", async () => {
    const text = await refusal("codex_read_file", { file_path: null });
    expect(text).toContain("file_path: Invalid type: Expected string but received null");
  });
});

describe("a wrong tool name", () => {
  /** The protocol error's message for a call of `name`, which no tool has. */
  async function unknown(name: string): Promise<string> {
    const failure = await client.callTool(name, {}).then(
      () => undefined,
      (error: Error) => error.message,
    );
    expect(failure).toContain(`Unknown tool: ${name}.`);
    return failure!;
  }
  const meantIn = (message: string) => /Did you mean (\w+)\?/.exec(message)?.[1];

  test("a short name, a typo and a host's prefixed name each point at the tool, which then answers", async () => {
    for (const name of ["read_file", "codex_read_fille", "mcp__patchbay__codex_read_file"]) {
      const meant = meantIn(await unknown(name));
      expect(meant).toBe("codex_read_file");
      expect(textOf(await client.callTool(meant!, { file_path: "notes.txt" }))).toContain("alpha beta");
    }
    expect(meantIn(await unknown("frobnicate"))).toBeUndefined();
  });

  test("a tool of another mode is suggested; its refusal names the smallest mode that has it and keeps the session's tools", async () => {
    const own = await connectStdio("v2-modern", { home: tempDir(), args: ["--standalone", "--root", repo] });
    try {
      const before = (await own.listTools()).map((tool) => tool.name);
      const meant = /Did you mean (\w+)\?/.exec(
        await own.callTool("get_result", {}).then(
          () => "",
          (error: Error) => error.message,
        ),
      )?.[1];
      expect(meant).toBe("codex_get_result");
      const refused = await own.callTool(meant!, { job_id: "none" });
      const error = refused._meta?.["patchbay/error"] as { code: string; next: string };
      expect(error.code).toBe("tool_not_in_mode");
      const mode = /with mode "(\w+)"/.exec(error.next)?.[1];
      expect(mode).toBe("standard");
      expect((await own.callTool("codex_tool_mode_switch", { mode })).isError).toBeFalsy();
      const after = (await own.listTools()).map((tool) => tool.name);
      expect(before.filter((name) => !after.includes(name))).toEqual([]);
      expect((await own.callTool(meant!, { job_id: "none" }))._meta?.["patchbay/error"]).toMatchObject({ code: "job_not_found" });
    } finally {
      await own.close();
    }
  });

  test("an agent token's session is pointed only at tools it may call", async () => {
    const home = tempDir();
    const added = await runPatchbay(["token", "add", "alice", "--json"], { home });
    expect(added.code, added.stderr).toBe(0);
    const server = await startTestServer({ home });
    const agent = await connectHttp("v2-modern", server.url, { token: (JSON.parse(added.stdout) as { token: string }).token });
    try {
      const unknownFor = (name: string) =>
        agent.callTool(name, {}).then(
          () => "",
          (error: Error) => error.message,
        );
      expect(await unknownFor("inbx")).toContain("Did you mean inbox?");
      // codex_read_file is not offered to agent tokens: no suggestion leads there.
      const read = await unknownFor("read_file");
      expect(read).toContain("Unknown tool: read_file.");
      expect(read).not.toContain("Did you mean");
    } finally {
      await agent.close();
      await server.stop();
    }
  });

  test("a tool the operator turned off is refused as turned off in the default mode and in full, and runs nothing", async () => {
    const own = await connectStdio("v2-modern", { home: tempDir(), args: ["--standalone", "--root", repo] });
    try {
      const command = { command: "touch ran-it" };
      const inDefault = await own.callTool("codex_run_command", command);
      expect(inDefault._meta?.["patchbay/error"]).toMatchObject({ code: "tool_disabled" });
      expect((await own.callTool("codex_tool_mode_switch", { mode: "full" })).isError).toBeFalsy();
      const inFull = await own.callTool("codex_run_command", command);
      expect(inFull._meta?.["patchbay/error"]).toMatchObject({ code: "tool_disabled" });
      expect(existsSync(join(repo, "ran-it"))).toBe(false);
    } finally {
      await own.close();
    }
  });
});

describe("likelyMeant", () => {
  test("a missing required argument is the first guess; a word of a name, a near spelling, a lone pair", () => {
    expect(likelyMeant("path", ["repo_path", "file_path"], { first: ["file_path"] })).toBe("file_path");
    expect(likelyMeant("path", ["repo_path", "file_path"])).toBe("repo_path");
    expect(likelyMeant("repo", ["repo_path", "query"])).toBe("repo_path");
    expect(likelyMeant("qurey", ["repo_path", "query"])).toBe("query");
    expect(likelyMeant("q", ["repo_path", "query"], { first: ["query"], alone: true })).toBe("query");
    expect(likelyMeant("q", ["repo_path", "query"], { first: ["query"] })).toBeUndefined();
    expect(likelyMeant("limit", ["max_results", "query"])).toBe("max_results");
    expect(likelyMeant("limit", ["max_results", "max_bytes"])).toBeUndefined();
    expect(likelyMeant("colour", ["repo_path"])).toBeUndefined();
    // `-` separates words as `_` does: a command's name, an agent's.
    expect(likelyMeant("cloudflared", ["start", "install-cloudflared"])).toBe("install-cloudflared");
    expect(likelyMeant("claude-code", ["codex", "claude", "gemini"])).toBe("claude");
  });
});
