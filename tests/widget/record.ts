/**
 * Records the tool-card fixtures: real tool calls through the real registry (mock agents, a real
 * git repository), with temp paths, ids and times replaced so the committed JSON is stable.
 * Run: node_modules/.bin/bun tests/widget/record.ts
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CallToolResult } from "@modelcontextprotocol/server";
import { ALL_TOOLS } from "../../src/app/catalog.ts";
import { withRepoLock } from "../../src/workspace/index.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs } from "../support/patchbay.ts";
import { harnessSet } from "../support/tools.ts";
import { mockPrompt, settled, WORKER_TOML } from "../workers/support.ts";

const FIXTURES = join(import.meta.dir, "fixtures");
const harnesses = harnessSet(ALL_TOOLS, { configToml: WORKER_TOML });
const repo = makeGitRepo({
  "README.md": "# shop\n",
  "src/cart.ts": "export function total(items: number[]) {\n  let sum = 0;\n  for (const item of items) sum += item;\n  return sum;\n}\n",
  "notes.txt": "first\n",
});
const h = await harnesses.open(repo, { power: { directWrite: true, bashMode: "safe", codexSessionRead: false } });

/** Replaces what changes from run to run (paths, ids, times, hashes) with fixed stand-ins. */
function stable(value: unknown): unknown {
  const ids = new Map<string, string>();
  const idOf = (prefix: string, id: string) => {
    if (!ids.has(id)) ids.set(id, `${prefix}_${String(ids.size + 1).padStart(20, "0")}`);
    return ids.get(id)!;
  };
  const text = JSON.stringify(value)
    .replaceAll(h.host.home, "/home/dev/.patchbay")
    .replaceAll(repo, "/home/dev/shop")
    .replace(/\b(wrk|job|art|client|run)_[0-9a-zA-Z]{6,}/g, (id, prefix: string) => idOf(prefix, id))
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, "2026-05-04T10:00:00.000Z")
    .replace(/\b[0-9a-f]{40}\b/g, "3f1c2a9b7d4e5f60718293a4b5c6d7e8f9012345")
    .replace(/\b[0-9a-f]{64}\b/g, "9b2e6f0a1c3d5e7f9b2e6f0a1c3d5e7f9b2e6f0a1c3d5e7f9b2e6f0a1c3d5e7f")
    .replace(/"duration_ms":\d+/g, '"duration_ms":412')
    .replace(/"elapsed_ms":\d+/g, '"elapsed_ms":1840');
  return JSON.parse(text);
}

function save(name: string, tool: string, result: CallToolResult): void {
  const { content, structuredContent, isError, _meta } = result;
  const fixture = stable({ tool, result: { content, structuredContent, isError: isError ?? false, ...(_meta && { _meta }) } });
  writeFileSync(join(FIXTURES, `${name}.json`), `${JSON.stringify(fixture, null, 2)}\n`);
  console.log(`recorded ${name} (${tool})`);
}

async function record(name: string, tool: string, args: Record<string, unknown>, caller = h.call): Promise<CallToolResult> {
  const result = await caller(tool, args);
  save(name, tool, result);
  return result;
}

try {
  const patch = 'export function total(items: number[]) {\n  return items.reduce((sum, item) => sum + item, 0);\n}\n\nexport const currency = "EUR";\n';
  await h.ok("codex_worker_start", {
    name: "builder",
    brief: mockPrompt({
      write: { path: "src/cart.ts", content: patch },
      message: "Rewrote total() with reduce and added the currency constant.\nTests: bun test passes (12 tests).",
    }),
    agent: "mock",
  });
  await settled(h, "builder");
  await h.ok("codex_worker_start", {
    name: "reviewer",
    brief: mockPrompt({ message: "Reviewed builder's change: no issues found.", session: "sess-rev" }),
    agent: "mock",
    workspace_mode: "read_only",
  });
  await settled(h, "reviewer");
  await record("worker-report", "codex_worker_inspect", { worker: "builder", view: "report" });
  await record("team-report", "codex_worker_list", {});
  await record("worker-diff", "codex_worker_inspect", { worker: "builder", view: "diff", file_path: "src/cart.ts" });
  await record("integration-preview", "codex_worker_inspect", { worker: "builder", view: "integration_preview" });

  await h.ok("codex_write_file", { file_path: "design/spec.md", content: "# Checkout spec\n\nPay with card.\n", create_dirs: true });
  await record("artifact-import", "codex_worker_inbox", { action: "import_file", source_path: "design/spec.md", label: "checkout spec" });
  await record("artifact-list", "codex_worker_inbox", { action: "list" });

  const job = await h.ok<{ job_id: string }>("codex_apply_job", {
    spec: mockPrompt({ write: [{ path: "src/tax.ts", content: "export const VAT = 0.2;\n" }], message: "Added the VAT constant." }),
    agent: "mock",
  });
  await h.ok("codex_get_result", { job_id: job.job_id, wait_seconds: 30 });
  await record("job-status", "codex_get_status", { job_id: job.job_id });
  await record("job-result", "codex_get_result", { job_id: job.job_id, wait_seconds: 5 });
  await record("job-diff", "codex_get_diff", { job_id: job.job_id, file_path: "src/tax.ts" });

  await record("command-result", "codex_run_command", { command: "git status --short" });
  await record("command-failed", "codex_run_command", { command: "ls missing-dir" });
  await record("write-result", "codex_write_file", { file_path: "src/banner.ts", content: 'export const banner = "Welcome to the shop";\n' });
  await record("edit-result", "codex_edit_file", { file_path: "notes.txt", old_text: "first\n", new_text: "first\nsecond\n" });

  let release!: () => void;
  let taken!: () => void;
  const holding = new Promise<void>((done) => (taken = done));
  const held = withRepoLock(
    h.host.home,
    repo,
    { client_ref: "client_other", tool: "codex_worker_integrate" },
    () =>
      new Promise<void>((done) => {
        release = done;
        taken();
      }),
  );
  await holding;
  await record("error-repo-busy", "codex_write_file", { file_path: "notes.txt", content: "x\n", overwrite: true });
  release();
  await held;
  await record("error-takeover-required", "codex_worker_message", { worker: "builder", message: "more" }, h.otherSession().call);

  await record("generic-self-test", "codex_self_test", {});
  await record("generic-git-status", "codex_git_status", {});
} finally {
  await harnesses.closeAll();
  removeTempDirs();
}
