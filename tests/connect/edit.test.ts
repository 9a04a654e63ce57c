import { describe, expect, test } from "bun:test";
import { unifiedDiff } from "../../src/connect/diff.ts";
import { hostEntry, stdioRegistration } from "../../src/connect/registration.ts";
import { setJsonValue } from "../../src/connect/json-edit.ts";
import { setTomlTable } from "../../src/connect/toml-edit.ts";

const PATH = ["mcp_servers", "patchbay"] as const;
const entry = hostEntry("codex", stdioRegistration({ self: ["/opt/patchbay"], root: "/src/app" }));

describe("TOML: [mcp_servers.patchbay] edited in place", () => {
  const original = [
    "# my settings",
    'model = "gpt-5"   # inline',
    "",
    "[mcp_servers.other]",
    'command = "node"',
    "",
    "# the profile below is mine",
    "[profiles.fast]",
    'model = "o4"',
    "",
  ].join("\n");

  test("install appends the table and keeps every other byte; uninstall gives back the original", () => {
    const installed = setTomlTable(original, PATH, entry, "config.toml");
    expect(installed).toBe(
      `${original}\n[mcp_servers.patchbay]\ncommand = "/opt/patchbay"\nargs = [ "stdio", "--root", "/src/app" ]\ndefault_tools_approval_mode = "approve"\n`,
    );
    expect(setTomlTable(installed, PATH, undefined, "config.toml")).toBe(original);
  });

  test("an existing table and its subtables are replaced where they stand; the comment before the next table stays", () => {
    const text = [
      "[mcp_servers.patchbay]",
      'command = "old"',
      "",
      "[mcp_servers.patchbay.env]",
      'A = "1"',
      "",
      "# keep me",
      '[mcp_servers."other"]',
      'command = "x"',
      "",
    ].join("\n");
    const updated = setTomlTable(text, PATH, entry, "config.toml");
    expect(updated).toBe(
      [
        "[mcp_servers.patchbay]",
        'command = "/opt/patchbay"',
        'args = [ "stdio", "--root", "/src/app" ]',
        'default_tools_approval_mode = "approve"',
        "",
        "# keep me",
        '[mcp_servers."other"]',
        'command = "x"',
        "",
      ].join("\n"),
    );
    expect(setTomlTable(updated, PATH, undefined, "config.toml")).toBe(["# keep me", '[mcp_servers."other"]', 'command = "x"', ""].join("\n"));
  });

  test("an unparseable file is refused with its line; an inline definition is refused", () => {
    expect(() => setTomlTable('model = "x\n', PATH, entry, "c.toml")).toThrow(/c\.toml: invalid TOML at line 1.*left untouched/);
    expect(() => setTomlTable('mcp_servers.patchbay.command = "x"\n', PATH, entry, "c.toml")).toThrow(/dotted keys or an inline table/);
    expect(() => setTomlTable('[mcp_servers]\npatchbay = { command = "x" }\n', PATH, undefined, "c.toml")).toThrow(/dotted keys or an inline table/);
  });
});

describe("JSON(C): mcpServers.patchbay edited in place", () => {
  const claudeEntry = hostEntry("claude", stdioRegistration({ self: ["/opt/patchbay"], root: "/src/app" }));

  test("comments, trailing commas, other servers and indentation survive; uninstall restores the file", () => {
    const original =
      '{\n    // my theme\n    "theme": "dark",\n    "mcpServers": {\n        "other": {\n            "command": "x" // mine\n        },\n    },\n}\n';
    const installed = setJsonValue(original, ["mcpServers", "patchbay"], claudeEntry, "settings.json");
    expect(installed).toContain("// my theme");
    expect(installed).toContain('"command": "x" // mine');
    expect(installed).toContain('        "patchbay": {\n            "type": "stdio",');
    expect(setJsonValue(installed, ["mcpServers", "patchbay"], undefined, "settings.json")).toBe(original);
  });

  test("only the entry's own lines are written: a neighbour's layout and comment stay on their line, and uninstall gives back every byte", () => {
    const originals = [
      // A one-line neighbour with a trailing comma and a comment (Gemini's settings.json, hand-edited).
      '{\n  "mcpServers": {\n    "other": { "command": "node", "args": ["srv.js"] }, // the other one\n  },\n}\n',
      // A compact neighbour in a pretty file (~/.claude.json edited by hand).
      '{\n  "mcpServers": {"keep": {"command": "x"}},\n  "projects": {"/a": {"allowedTools": []}}\n}\n',
      '{\n  "mcpServers": {\n    "keep": { "command": "x" } // note\n  }\n}\n',
    ];
    const installed = originals.map((original) => setJsonValue(original, ["mcpServers", "patchbay"], claudeEntry, "settings.json"));
    for (const [index, original] of originals.entries())
      expect(setJsonValue(installed[index]!, ["mcpServers", "patchbay"], undefined, "settings.json")).toBe(original);
    expect(installed[0]).toContain('\n    "other": { "command": "node", "args": ["srv.js"] }, // the other one\n    "patchbay": {\n');
    expect(installed[1]).toContain('\n  "mcpServers": {"keep": {"command": "x"},"patchbay": {');
    expect(installed[1]).toContain('\n  "projects": {"/a": {"allowedTools": []}}\n');
    expect(installed[2]).toContain('\n    "keep": { "command": "x" }, // note\n    "patchbay": {\n');
  });

  test("an entry written first comes out whole, with the comma it gave its neighbour", () => {
    const original = '{\n  "mcpServers": {\n    "keep": {\n      "command": "x"\n    }\n  }\n}\n';
    const installed = setJsonValue(original, ["mcpServers", "patchbay"], claudeEntry, "settings.json");
    const moved = installed.replace(/( {4}"keep": \{\n {6}"command": "x"\n {4}\}),\n( {4}"patchbay": [\s\S]*?\n {4}\})\n/, "$2,\n$1\n");
    expect(JSON.parse(moved).mcpServers.patchbay.command).toBe("/opt/patchbay");
    expect(setJsonValue(moved, ["mcpServers", "patchbay"], undefined, "settings.json")).toBe(original);
  });

  test("containers install created are removed by uninstall", () => {
    const original = '{\n  "numStartups": 3\n}\n';
    const path = ["projects", "/src/app", "mcpServers", "patchbay"];
    const installed = setJsonValue(original, path, claudeEntry, ".claude.json");
    expect(JSON.parse(installed).projects["/src/app"].mcpServers.patchbay.command).toBe("/opt/patchbay");
    expect(setJsonValue(installed, path, undefined, ".claude.json")).toBe(original);
  });

  test("invalid JSON, a non-object top level, or a non-object container is refused", () => {
    expect(() => setJsonValue('{"a": }', ["mcpServers", "patchbay"], claudeEntry, "f.json")).toThrow(
      /f\.json: invalid JSON at line 1, column 7.*left untouched/,
    );
    expect(() => setJsonValue("[1, 2]", ["mcpServers", "patchbay"], claudeEntry, "f.json")).toThrow(/top level is not a JSON object/);
    expect(() => setJsonValue('{"mcpServers": []}', ["mcpServers", "patchbay"], claudeEntry, "f.json")).toThrow(/"mcpServers" is not an object/);
  });
});

describe("registrations", () => {
  test("stdio: the absolute binary, stdio --root, PATCHBAY_HOME when set; each host's shape", () => {
    const registration = stdioRegistration({ self: ["/usr/bin/bun", "/src/pb/cli.ts"], root: "/r", toolMode: "full", patchbayHome: "/h" });
    expect(hostEntry("claude", registration)).toEqual({
      type: "stdio",
      command: "/usr/bin/bun",
      args: ["/src/pb/cli.ts", "stdio", "--root", "/r", "--tool-mode", "full"],
      env: { PATCHBAY_HOME: "/h" },
    });
    expect(hostEntry("gemini", registration, { trust: true })).toMatchObject({ command: "/usr/bin/bun", trust: true });
    expect(hostEntry("gemini", registration)).not.toHaveProperty("trust");
  });

  test("http: the token is referenced by its variable unless embedded", () => {
    const url = "http://127.0.0.1:8000/mcp";
    expect(hostEntry("codex", { transport: "http", url, tokenEnv: "PB_TOKEN" })).toEqual({
      url,
      bearer_token_env_var: "PB_TOKEN",
      default_tools_approval_mode: "approve",
    });
    expect(hostEntry("claude", { transport: "http", url, tokenEnv: "PB_TOKEN" })).toEqual({
      type: "http",
      url,
      headers: { Authorization: "Bearer ${PB_TOKEN}" },
    });
    expect(hostEntry("gemini", { transport: "http", url, tokenEnv: "PB_TOKEN", token: "t0k" })).toEqual({
      url,
      type: "http",
      headers: { Authorization: "Bearer t0k" },
    });
    expect(() => hostEntry("claude-desktop", { transport: "http", url, tokenEnv: "PB_TOKEN" })).toThrow(/stdio\) servers only/);
  });

  test("the dry-run diff is a unified diff", () => {
    expect(unifiedDiff("a\nb\nc\n", "a\nB\nc\n", "f")).toBe("--- f\n+++ f\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
    expect(unifiedDiff("", "x\n", "f")).toBe("--- f\n+++ f\n@@ -0,0 +1,1 @@\n+x\n");
  });
});
