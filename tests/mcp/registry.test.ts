import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as v from "valibot";
import { createToolRegistry } from "../../src/mcp/registry.ts";
import { ALL_TOOLS } from "../../src/app/catalog.ts";
import { renderToolDocs, withCapabilityMatrix } from "../../src/app/docs.ts";
import { CAPABILITIES, CAPABILITY_RULES } from "../../src/mcp/capability.ts";
import { createSession, type SessionState } from "../../src/mcp/session.ts";
import { defineTool, EVERY_MODE, type ToolContext } from "../../src/mcp/tool.ts";
import { createRedactor } from "../../src/redact/index.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, repoRoot } from "../support/patchbay.ts";

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

function session(mode: SessionState["mode"] = "full", directWrite = false): SessionState {
  return createSession({
    transport: "stdio",
    principal: "local",
    mode,
    scope: { allowedRoots: ["/repo"], power: { directWrite, bashMode: "off", codexSessionRead: false } },
  });
}

function context(state: SessionState, catalog = { namesFor: () => [] as string[] }): ToolContext {
  const redactor = createRedactor({ OPENAI_API_KEY: "sk-test-abcdefghijklmnopqrstuvwxyz" });
  const host = {
    redact: (value: unknown) => (typeof value === "string" ? redactor.redact(value) : redactor.redactDeep(value)),
    audit: () => {},
  } as unknown as ToolContext["app"];
  return { app: host, session: state, signal: new AbortController().signal, progress: { report: async () => {}, settle: async () => {} }, catalog };
}

const echo = defineTool({
  name: "echo",
  title: "Echo",
  description: "Echoes text.",
  input: v.strictObject({ text: v.string() }),
  output: v.object({ text: v.string() }),
  annotations: READ_ONLY,
  capability: "read",
  modes: EVERY_MODE,
  aliases: [{ name: "say", input: v.strictObject({ words: v.string() }), mapArgs: (args) => ({ text: args.words }) }],
  async handler({ text }) {
    return { text, structured: { text } };
  },
});

const gated = defineTool({
  name: "write_thing",
  title: "Write",
  description: "Writes.",
  input: v.strictObject({}),
  output: v.object({}),
  annotations: { ...READ_ONLY, readOnlyHint: false },
  modes: EVERY_MODE,
  capability: "write_base",
  async handler() {
    return { text: "written", structured: {} };
  },
});

afterAll(removeTempDirs);

describe("tool registry", () => {
  test("docs/tools.md is generated from the declarations and up to date (regenerate: bun src/app/docs.ts)", () => {
    expect(readFileSync(`${repoRoot}/docs/tools.md`, "utf8")).toBe(renderToolDocs(createToolRegistry(ALL_TOOLS)));
  });

  test("docs/security.md carries the capability matrix generated from the declarations (regenerate: bun src/app/docs.ts)", () => {
    const doc = readFileSync(`${repoRoot}/docs/security.md`, "utf8");
    expect(doc).toBe(withCapabilityMatrix(doc, createToolRegistry(ALL_TOOLS)));
    expect(doc).toContain("| `patchbay_config_provider_add_cli` | `exec` | no | no | no | yes | no |");
  });

  test("two tools with one name are refused", () => {
    expect(() => createToolRegistry([echo, { ...echo, aliases: [] }])).toThrow("two tools are named echo");
  });

  test("aliases appear only in full mode and map their arguments onto the canonical tool", async () => {
    const registry = createToolRegistry([echo]);
    expect(registry.list(session("worker")).map((tool) => tool.name)).toEqual(["echo"]);
    expect(registry.list(session("full")).map((tool) => tool.name)).toEqual(["echo", "say"]);
    const result = await registry.call("say", { words: "hello" }, context(session("full")));
    expect(result?.structuredContent).toEqual({ text: "hello" });
    const refused = await registry.call("say", { words: "hello" }, context(session("standard")));
    expect(refused?.isError).toBe(true);
  });

  test("an alias whose renamed arguments break the canonical schema gets a tool error, not a rejection", async () => {
    const strict = defineTool({
      ...echo,
      name: "shout",
      aliases: [{ name: "yell", input: v.strictObject({ words: v.number() }), mapArgs: (args) => ({ text: args.words }) }],
    });
    const result = await createToolRegistry([strict]).call("yell", { words: 5 }, context(session("full")));
    expect(result?.isError).toBe(true);
    expect(result?.content?.[0]).toMatchObject({ text: expect.stringContaining("[invalid_arguments] yell: text:") });
  });

  test("a tool whose capability the operator did not allow is hidden, and a call names the setting and flag that would allow it", async () => {
    const registry = createToolRegistry([gated]);
    expect(registry.list(session("full", false))).toEqual([]);
    const refused = await registry.call("write_thing", {}, context(session("full", false)));
    expect(refused?.content).toEqual([
      {
        type: "text",
        text:
          "[tool_disabled] write_thing is turned off by the setting power_tools.direct_write: " +
          'it needs the capability "write_base" (writes caller-chosen content to caller-chosen paths of the base checkout). ' +
          "Next: restart patchbay with --direct-write, " +
          "or set power_tools.direct_write in config.toml (the operator decides; a session cannot switch it on)",
      },
    ]);
    expect(registry.list(session("full", true)).map((tool) => tool.name)).toEqual(["write_thing"]);
    expect((await registry.call("write_thing", {}, context(session("full", true))))?.isError).toBeUndefined();
  });

  test("a declaration without a known capability stops the registry at start-up", () => {
    const unchecked = defineTool({ ...echo, name: "unchecked", aliases: [], capability: undefined } as never);
    expect(() => createToolRegistry([unchecked])).toThrow("tool unchecked declares no known capability");
    const invented = defineTool({ ...echo, name: "invented", aliases: [], capability: "root" } as never);
    expect(() => createToolRegistry([invented])).toThrow("tool invented declares no known capability");
  });

  test("every tool of the catalog declares a capability, and a mode never changes which capabilities a session holds", () => {
    const registry = createToolRegistry(ALL_TOOLS);
    for (const entry of registry.entries) expect(CAPABILITIES).toContain(entry.declaration.capability);
    const off = session("full", false);
    const allowed = new Set(registry.list(off).map((tool) => tool.name));
    for (const entry of registry.entries) {
      const needsPower = CAPABILITY_RULES[entry.declaration.capability].setting !== undefined;
      if (needsPower) expect(allowed.has(entry.name)).toBe(false);
    }
  });

  test("every name of the catalog, alias or not, lists its arguments as JSON Schema without a $schema line", () => {
    const registry = createToolRegistry(ALL_TOOLS);
    for (const entry of registry.entries) {
      expect(entry.descriptor.name).toBe(entry.name);
      expect(entry.descriptor.inputSchema.type).toBe("object");
      expect(entry.descriptor.inputSchema).not.toHaveProperty("$schema");
    }
  });

  test("a schema that cannot become JSON Schema fails the listing that shows its tool, naming it; the registry still starts", () => {
    const dated = defineTool({ ...echo, name: "dated", aliases: [], input: v.strictObject({ when: v.date() }) } as never);
    const registry = createToolRegistry([echo, dated]);
    expect(() => registry.list(session("full"))).toThrow("tool dated: its input schema cannot become JSON Schema");
  });

  test("an argument that needs a stronger capability is refused before the handler runs", async () => {
    let ran = 0;
    const escalating = defineTool({
      ...echo,
      name: "maybe_exec",
      aliases: [],
      capability: "configure",
      escalate: { capability: "exec", when: "text run", applies: (args: { text: string }) => args.text === "run" },
      handler: async ({ text }: { text: string }) => {
        ran++;
        return { text, structured: { text } };
      },
    } as never);
    const registry = createToolRegistry([escalating]);
    const refused = await registry.call("maybe_exec", { text: "run" }, context(session("full")));
    expect(refused?._meta?.["patchbay/error"]).toMatchObject({
      code: "tool_disabled",
      details: { capability: "exec", setting: 'power_tools.bash_mode = "full"' },
    });
    expect(ran).toBe(0);
    expect((await registry.call("maybe_exec", { text: "plain" }, context(session("full"))))?.isError).toBeUndefined();
    expect(ran).toBe(1);
  });

  test("secrets in tool results are redacted, in text and structured content", async () => {
    const registry = createToolRegistry([echo]);
    const result = await registry.call(
      "echo",
      { text: "key sk-test-abcdefghijklmnopqrstuvwxyz and ghp_0123456789abcdefghijABCDEFGHIJ012345" },
      context(session()),
    );
    expect(JSON.stringify(result)).not.toContain("sk-test-abcdefghijklmnopqrstuvwxyz");
    expect(JSON.stringify(result)).not.toContain("ghp_0123456789");
    expect((result?.structuredContent as { text: string }).text).toBe("key [redacted] and [redacted]");
  });

  test("a handler result that breaks its output schema becomes an internal error, not a bad reply", async () => {
    const liar = defineTool({
      ...echo,
      name: "liar",
      aliases: [],
      async handler() {
        return { text: "x", structured: { text: 5 as unknown as string } };
      },
    });
    const result = await createToolRegistry([liar]).call("liar", { text: "x" }, context(session()));
    expect(result?.isError).toBe(true);
    expect(result?.content?.[0]).toMatchObject({
      text: expect.stringContaining("[internal_error] liar produced a result that does not match its output schema"),
    });
  });

  test("an unknown tool name is not a tool error: the caller answers with a protocol error", () => {
    expect(createToolRegistry([echo]).call("nope", {}, context(session()))).toBeUndefined();
  });

  test("an unchosen default mode asks its repository on every listing: a pipeline config written or removed later shows at once", () => {
    const registry = createToolRegistry(ALL_TOOLS);
    const repo = makeGitRepo({ "README.md": "x\n" });
    const scope = { defaultRoot: repo, allowedRoots: [repo], power: { directWrite: false, bashMode: "off" as const, codexSessionRead: false } };
    const byDefault = createSession({ transport: "stdio", principal: "local", mode: "worker", modeIsDefault: true, scope });
    const chosen = createSession({ transport: "stdio", principal: "local", mode: "worker", scope });
    const pipeline = (names: string[]) => names.filter((name) => name.startsWith("patchbay_"));
    const listedNames = (state: SessionState) => registry.list(state).map((tool) => tool.name);

    const worker = registry.namesFor(chosen);
    expect(registry.namesFor(byDefault)).toEqual(worker);
    mkdirSync(`${repo}/.ai`);
    writeFileSync(`${repo}/.ai/patchbay.toml`, '[phases.plan]\nprovider = "mock"\n');
    const added = pipeline(registry.namesFor(byDefault));
    expect(added.length).toBeGreaterThan(10);
    // The worker catalog plus the pipeline tools, in the catalog's one order, alike in tools/list and for codex_tool_mode_info.
    expect(registry.namesFor(byDefault)).toEqual([...worker, ...added].sort((a, b) => a.localeCompare(b)));
    expect(listedNames(byDefault)).toEqual(registry.namesFor(byDefault));
    // A chosen mode is exact, and other modes asked from the default session are those modes as they are.
    expect(pipeline(registry.namesFor(chosen))).toEqual([]);
    expect(registry.namesFor(byDefault, "minimal")).toEqual(registry.namesFor(chosen, "minimal"));
    // The file gone but its folder kept, then the legacy file in that folder.
    rmSync(`${repo}/.ai/patchbay.toml`);
    expect(registry.namesFor(byDefault)).toEqual(worker);
    writeFileSync(`${repo}/.ai/ai-flow.toml`, '[phases.plan]\nprovider = "mock"\n');
    expect(pipeline(registry.namesFor(byDefault))).toEqual(added);
    rmSync(`${repo}/.ai`, { recursive: true });
    expect(registry.namesFor(byDefault)).toEqual(worker);
    expect(listedNames(byDefault)).toEqual(worker);
  });
});
