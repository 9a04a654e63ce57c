/** The artifact inbox: local import, downloads (SSRF-safe), and artifacts kept out of integration. */
import { afterAll, expect, test } from "bun:test";
import { createServer, type Server } from "node:http";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { WORKER_TOOLS } from "../../src/workers/tools/index.ts";
import { download } from "../../src/workers/download.ts";
import { isBlockedAddress } from "../../src/net/index.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { ownHostName, startHitCounter } from "../support/hit-counter.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { strToU8, zipSync } from "fflate";
import { harnessSet } from "../support/tools.ts";
import { mockPrompt, settled, WORKER_TOML, workerHarnesses, type View } from "./support.ts";

const harnesses = workerHarnesses();
const privateHarnesses = harnessSet(WORKER_TOOLS, { configToml: `${WORKER_TOML}\n[workers]\nallow_private_downloads = true\n` });
let server: Server | undefined;
afterAll(async () => {
  server?.close();
  await harnesses.closeAll();
  await privateHarnesses.closeAll();
  removeTempDirs();
});

test("a local file is imported, copied into the worker's worktree and left out of its changes and integration", async () => {
  const repo = makeGitRepo({ "a.txt": "a\n", "docs/spec.md": "# Spec\n" });
  const h = await harnesses.open(repo);
  const imported = await h.ok<{ artifact: { id: string; sha256: string; bytes: number } }>("codex_worker_inbox", {
    action: "import_file",
    source_path: "docs/spec.md",
    label: "spec",
  });
  const id = imported.artifact.id;
  expect(id).toMatch(/^art_[0-9a-f]{20}$/);
  expect(imported.artifact.sha256).toBe(createHash("sha256").update("# Spec\n").digest("hex"));
  expect((await h.ok<{ artifacts: Array<{ id: string }> }>("codex_worker_inbox", { action: "list" })).artifacts.map((a) => a.id)).toEqual([id]);
  expect((await h.ok<{ content: string }>("codex_worker_inbox", { action: "inspect", artifact_id: id, view: "file" })).content).toBe("# Spec\n");

  const started = await h.ok<View>("codex_worker_start", {
    name: "w",
    brief: mockPrompt({ write: { path: "impl.txt", content: "done\n" } }),
    agent: "mock",
    context_from_artifacts: [id],
  });
  const copied = join(started.worktree!.path, ".ai-bridge/imported-artifacts", id, "spec.md");
  expect(readFileSync(copied, "utf8")).toBe("# Spec\n");
  await settled(h, "w");
  const changes = await h.ok<{ details: { files: Array<{ path: string }> } }>("codex_worker_inspect", { worker: "w", view: "changes" });
  expect(changes.details.files.map((f) => f.path)).toEqual(["impl.txt"]);
  expect((await h.ok<{ files: string[] }>("codex_worker_integrate", { worker: "w" })).files).toEqual(["impl.txt"]);
  expect(existsSync(join(repo, ".ai-bridge"))).toBe(false);

  expect(await h.errorCode("codex_worker_start", { name: "r", brief: "x", agent: "mock", workspace_mode: "read_only", context_from_artifacts: [id] })).toBe(
    "invalid_arguments",
  );
  expect(await h.otherSession().errorCode("codex_worker_inbox", { action: "cleanup", artifact_id: id })).toBe("takeover_required");
  expect((await h.ok<{ removed: boolean }>("codex_worker_inbox", { action: "cleanup", artifact_id: id })).removed).toBe(true);
  expect(await h.errorCode("codex_worker_inbox", { action: "inspect", artifact_id: id })).toBe("artifact_not_found");
});

test("downloads: only http(s), never loopback, private, link-local or metadata addresses, and no connection is made", async () => {
  const target = join(tempDir(), "never-written");
  const counter = await startHitCounter();
  try {
    const port = counter.port;
    // Every form that names this machine (the real resolver: localhost and its own host name too) lands on the counter if fetched.
    const here = [
      "localhost",
      "127.0.0.1",
      "2130706433",
      "0x7f000001",
      "[::1]",
      "[::ffff:127.0.0.1]",
      "x.localhost",
      ...(await ownHostName()),
      ...counter.ownHosts(),
    ].flatMap((host) => [`http://${host}:${port}/x`, `https://${host}:${port}/x`]);
    for (const url of [
      ...here,
      "file:///etc/passwd",
      "ftp://example.com/x",
      "http://10.1.2.3/x",
      "http://169.254.169.254/latest/meta-data",
      "http://printer.local/x",
      "http://db.internal/x",
      `https://example.com/${"a".repeat(5000)}`,
    ]) {
      expect([
        url,
        await download(url, target, { maxBytes: 1000, allowPrivate: false }).then(
          () => "downloaded",
          (error: { code?: string }) => error.code,
        ),
      ]).toEqual([url, "download_refused"]);
    }
    expect(counter.hits()).toBe(0);
    expect(existsSync(target)).toBe(false);
    // The same target, allowed: it reaches the counter, so the zero above means something.
    expect((await download(`http://127.0.0.1:${port}/x`, target, { maxBytes: 1000, allowPrivate: true })).bytes).toBe("reached".length);
    expect(counter.hits()).toBe(1);
  } finally {
    await counter.close();
  }
  for (const address of ["192.168.1.1", "::ffff:127.0.0.1", "fd00::1"]) expect(isBlockedAddress(address)).toBe(true);
  expect(isBlockedAddress("93.184.216.34")).toBe(false);
});

test("a download is streamed with a sha256; a loopback server is refused unless workers.allow_private_downloads", async () => {
  const bundle = zipSync({ "notes.md": strToU8("# Notes\n") });
  server = createServer((request, response) => {
    if (request.url === "/bundle.zip") {
      response.writeHead(200, { "content-type": "application/zip" });
      response.end(bundle);
      return;
    }
    response.writeHead(200, { "content-type": "text/plain" });
    response.end("report body\n");
  });
  let connections = 0;
  server.on("connection", () => void connections++);
  await new Promise<void>((done) => server!.listen(0, "127.0.0.1", done));
  const port = (server.address() as { port: number }).port;
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const h = await harnesses.open(repo);
  const file = { download_url: `http://127.0.0.1:${port}/report.txt`, file_name: "report.txt", mime_type: "text/plain", file_id: "file-1" };
  expect(await h.errorCode("codex_worker_inbox", { action: "import_file", artifact_file: file })).toBe("download_refused");
  expect(connections).toBe(0);

  const allowing = await privateHarnesses.open(repo);
  const imported = await allowing.ok<{ artifact: { sha256: string; bytes: number; source_host: string } }>("codex_worker_inbox", {
    action: "import_file",
    artifact_file: file,
  });
  expect(connections).toBeGreaterThan(0);
  expect(imported.artifact).toMatchObject({ bytes: 12, source_host: `127.0.0.1:${port}`, sha256: createHash("sha256").update("report body\n").digest("hex") });
  const zip = await allowing.ok<{ artifact: { id: string; unpacked: boolean; files: Array<{ path: string }> } }>("codex_worker_inbox", {
    action: "import_file",
    artifact_file: { download_url: `http://127.0.0.1:${port}/bundle.zip`, file_name: "bundle.zip", mime_type: "application/zip" },
  });
  expect(zip.artifact).toMatchObject({ unpacked: true, files: [{ path: "notes.md" }] });
  expect((await allowing.ok<{ content: string }>("codex_worker_inbox", { action: "inspect", artifact_id: zip.artifact.id, view: "file" })).content).toBe(
    "# Notes\n",
  );

  // A file named .zip that is not a zip is refused, not stored half-understood.
  expect(
    await h.errorCode("codex_worker_inbox", {
      action: "import_file",
      source_path: "a.txt",
      artifact_file: { file_name: "bundle.zip", mime_type: "application/zip" },
    }),
  ).toBe("zip_invalid");
});
