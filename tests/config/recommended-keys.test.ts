import { afterAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { loadConfig } from "../../src/config/index.ts";
import { configSchema } from "../../src/config/schema.ts";
import { AGENT_PHASES, BUILTIN_PROVIDERS, checkPipelineConfig } from "../../src/pipeline/index.ts";
import { pipelineConfigSchema } from "../../src/pipeline/config-schema.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, repoRoot, tempDir } from "../support/patchbay.ts";

afterAll(() => removeTempDirs());

/**
 * The text of every string and template literal in a TypeScript source, comments and regular
 * expressions left out. A template's `${…}` becomes `${name}`, the last name of its expression, so
 * a key built from a value shows as one while the expression's own code is not read as text.
 */
function stringLiterals(source: string): string[] {
  const found: string[] = [];
  let i = 0;
  let last = "";
  const regexMayStart = () => last === "" || /[(,=:[!&|?{};+\-*%<>~^]$/.test(last) || /\b(return|typeof|case|of|in)$/.test(last);
  const quoted = (quote: string) => {
    let text = "";
    for (i++; i < source.length && source[i] !== quote; i++) text += source[i] === "\\" ? source[i++]! + source[i]! : source[i]!;
    i++;
    return text;
  };
  const template = () => {
    let text = "";
    for (i++; i < source.length && source[i] !== "`"; ) {
      if (source[i] === "\\") {
        text += source.slice(i, i + 2);
        i += 2;
      } else if (source.startsWith("${", i)) {
        const start = i + 2;
        i = code(start, "}");
        text += `\${${/(\w+)\W*$/.exec(source.slice(start, i))?.[1] ?? "value"}}`;
        i++;
      } else text += source[i++];
    }
    i++;
    found.push(text);
  };
  /** Reads code from `from` up to the unmatched `close` (or the end); returns its index. */
  const code = (from: number, close?: string): number => {
    let depth = 0;
    for (i = from; i < source.length; ) {
      const char = source[i]!;
      if (close && depth === 0 && char === close) return i;
      if (source.startsWith("//", i)) i = source.indexOf("\n", i) === -1 ? source.length : source.indexOf("\n", i);
      else if (source.startsWith("/*", i)) i = source.includes("*/", i + 2) ? source.indexOf("*/", i + 2) + 2 : source.length;
      else if (char === '"' || char === "'") {
        found.push(quoted(char));
        last = "a";
      } else if (char === "`") {
        template();
        last = "a";
      } else if (char === "/" && regexMayStart()) {
        let inClass = false;
        for (i++; i < source.length && (source[i] !== "/" || inClass); i++) {
          if (source[i] === "\\") i++;
          else if (source[i] === "[") inClass = true;
          else if (source[i] === "]") inClass = false;
        }
        i++;
        while (/[a-z]/.test(source[i] ?? "")) i++;
        last = "a";
      } else {
        if (char === "{" || char === "(" || char === "[") depth++;
        if (char === "}" || char === ")" || char === "]") depth--;
        if (!/\s/.test(char)) last = /\w/.test(char) ? (/\w+$/.exec(source.slice(Math.max(0, i - 10), i + 1))?.[0] ?? char) : char;
        i++;
      }
    }
    return i;
  };
  code(0);
  return found;
}

/** The importer of the original PatchBay's config.yaml names the original's keys, which are not ours: it refuses them by name. */
const NOT_RECOMMENDATIONS = new Set(["config/import-original.ts"]);

const SOURCES = readdirSync(join(repoRoot, "src"), { recursive: true, encoding: "utf8" })
  .filter((name) => name.endsWith(".ts") && !NOT_RECOMMENDATIONS.has(name))
  .map((name) => ({ file: relative(repoRoot, join(repoRoot, "src", name)), strings: stringLiterals(readFileSync(join(repoRoot, "src", name), "utf8")) }));

interface SchemaNode {
  type: string;
  wrapped?: SchemaNode;
  entries?: Record<string, SchemaNode>;
  value?: SchemaNode;
}

/** What a computed segment stands for where the code builds keys from it: `[phases.${phase}]` is an agent phase's table. */
const COMPUTED: Record<string, readonly string[]> = { phase: AGENT_PHASES };

/**
 * Why `path` is not a key of `schema`, or undefined when it is. Any name is a key of a record
 * (`[commands]`, `agents.custom`); a table knows only its own entries, and a segment computed
 * from a value (`${…}`) cannot be checked there, so it counts as a problem: write the key out.
 */
function unknownKey(schema: SchemaNode, path: string[]): string | undefined {
  let node: SchemaNode | undefined = schema;
  for (const [index, segment] of path.entries()) {
    while (node?.wrapped) node = node.wrapped;
    if (node?.type === "record") {
      node = node.value;
      continue;
    }
    if (!node?.entries) return `${path.slice(0, index).join(".")} is a value, not a table`;
    const values = COMPUTED[/^\$\{(\w+)\}$/.exec(segment)?.[1] ?? ""];
    if (values) return values.map((value) => unknownKey(node!, [value, ...path.slice(index + 1)])).find(Boolean);
    if (/\$\{|</.test(segment)) return `${segment} is computed where only named keys are allowed`;
    if (segment.includes("*")) {
      const glob = new RegExp(`^${segment.replaceAll("*", "[a-z0-9_]+")}$`);
      const match = Object.keys(node.entries).find((name) => glob.test(name));
      if (!match) return `no key matches ${segment}`;
      node = node.entries[match];
      continue;
    }
    if (!Object.hasOwn(node.entries, segment)) return `no key ${segment}`;
    node = node.entries[segment];
  }
  return undefined;
}

/** A key's segment: a name, a `*` glob, or one starting with `<id>` or `${name}` (`${agent}_command`). */
const SEGMENT = String.raw`(?:<[a-z_]+>|\$\{\w+\})?[a-z0-9_*]*`;
/** `server.json`, `auth.json`: file names, not keys. */
const FILE_NAME = /\.(json|jsonl|log|md|toml|ts|yaml|txt)$/;
const segments = (dotted: string) => [...dotted.matchAll(new RegExp(String.raw`\.(${SEGMENT})`, "g"))].map((match) => match[1]!);

const serverRoot = configSchema as unknown as SchemaNode;
const pipelineRoot = pipelineConfigSchema as unknown as SchemaNode;
const SERVER_TABLES = Object.keys(serverRoot.entries!).filter((name) => serverRoot.entries![name]!.wrapped?.type !== "picklist");
const PIPELINE_TABLES = Object.keys(pipelineRoot.entries!);

interface Recommendation {
  file: string;
  text: string;
  schema: "config.toml" | ".ai/patchbay.toml";
  path: string[];
}

/** The config keys a text names: `agents.codex_command`, `[phases.test].commands`, `[workflow] key =`, `settings set server.port`. */
function keysIn(file: string, text: string): Recommendation[] {
  return allKeysIn(file, text).filter((key) => key.path.at(-1) !== "" && !FILE_NAME.test(key.text));
}

function allKeysIn(file: string, text: string): Recommendation[] {
  const found: Recommendation[] = [];
  const server = new RegExp(String.raw`(?<![\w.$/@-])(${SERVER_TABLES.join("|")})((?:\.${SEGMENT})+)`, "g");
  for (const match of text.matchAll(server)) found.push({ file, text: match[0], schema: "config.toml", path: [match[1]!, ...segments(match[2]!)] });
  const table = new RegExp(String.raw`\[(${PIPELINE_TABLES.join("|")})((?:\.${SEGMENT})*)\]((?:\.${SEGMENT})*)(?: ([a-z_]+) =)?`, "g");
  for (const match of text.matchAll(table))
    found.push({
      file,
      text: match[0],
      schema: ".ai/patchbay.toml",
      path: [match[1]!, ...segments(match[2]!), ...segments(match[3]!), ...(match[4] ? [match[4]] : [])],
    });
  for (const match of text.matchAll(new RegExp(String.raw`(?<![\w.$/@\[-])workflow((?:\.${SEGMENT})+)`, "g")))
    found.push({ file, text: match[0], schema: ".ai/patchbay.toml", path: ["workflow", ...segments(match[1]!)] });
  for (const match of text.matchAll(/settings set ([a-z_]+(?:\.[a-z_]+)+)/g))
    found.push({ file, text: match[0], schema: "config.toml", path: match[1]!.split(".") });
  return found;
}

function offenders(recommendations: Recommendation[]): string[] {
  return recommendations.flatMap((key) => {
    const why = unknownKey(key.schema === "config.toml" ? serverRoot : pipelineRoot, key.path);
    return why ? [`${key.file}: "${key.text}" (${key.schema}): ${why}`] : [];
  });
}

describe("every config key patchbay recommends is one its schemas accept", () => {
  test("the string finder reads strings and templates, not comments or regular expressions", () => {
    const source = [
      "// agents.in_a_comment",
      'const a = "agents.one"; /* "not.this" */',
      "const b = /agents\\.regex/.test(x) ? 'agents.two' : `agents.${name}_three ${`inner`}`;",
    ].join("\n");
    expect(stringLiterals(source)).toEqual(["agents.one", "agents.two", "inner", "agents.${name}_three ${inner}"]);
  });

  test("the check finds what it looks for: a key that is not there, a computed one, and real ones", () => {
    const checked = offenders(
      keysIn(
        "example.ts",
        "set agents.reasonix_command, agents.${agent}_command, agents.commands.codex, agents.custom.<id>.command, [phases.test].commands, " +
          "[phases.${phase}].model, [phases.${phase}].commands, [commands].reasonix, [workflow] max_fix_rounds =, workflow.nope",
      ),
    );
    expect(checked).toEqual([
      'example.ts: "agents.reasonix_command" (config.toml): no key reasonix_command',
      'example.ts: "agents.${agent}_command" (config.toml): ${agent}_command is computed where only named keys are allowed',
      'example.ts: "[phases.${phase}].commands" (.ai/patchbay.toml): no key commands',
      'example.ts: "workflow.nope" (.ai/patchbay.toml): no key nope',
    ]);
  });

  test("every key named in src/ texts (messages, next steps, help, the example config) exists", () => {
    const recommended = SOURCES.flatMap(({ file, strings }) => strings.flatMap((text) => keysIn(file, text)));
    expect(recommended.length).toBeGreaterThan(50);
    expect(offenders(recommended)).toEqual([]);
  });

  test("doctor's next step for a missing executable names a setting that exists, for every built-in provider", async () => {
    const server = await loadConfig({ home: tempDir("patchbay-keys-home-") });
    for (const provider of BUILTIN_PROVIDERS.filter((id) => id !== "mock")) {
      const phase = provider === "reasonix_cli" ? "write" : "plan";
      const others = AGENT_PHASES.filter((other) => other !== phase).map((other) => `[phases.${other}]\nprovider = "mock"`);
      const repo = makeGitRepo({ ".ai/patchbay.toml": [`[phases.${phase}]\nprovider = "${provider}"\ncommand = "/nonexistent/agent"`, ...others].join("\n") });
      const findings = await checkPipelineConfig(repo, server);
      const missing = findings.find((finding) => finding.detail.includes("/nonexistent/agent"));
      expect(missing, provider).toMatchObject({ status: "fail" });
      const named = keysIn(provider, missing!.next!);
      expect(named.length, missing!.next).toBeGreaterThan(0);
      expect(offenders(named)).toEqual([]);
    }
  });
});
