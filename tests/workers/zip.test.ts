/**
 * Zip artifacts: a good zip is unpacked (0700 folders, 0600 files), shown by inspect and copied
 * into a worker's worktree without becoming its changes; every zip attack is refused with its own
 * code and leaves nothing on disk; a zip bomb stops at the cap.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { Deflate, strToU8, zipSync } from "fflate";
import { listZip, unpackZip, type UnzipLimits } from "../../src/workers/unzip.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { harnessSet } from "../support/tools.ts";
import { WORKER_TOOLS } from "../../src/workers/tools/index.ts";
import { mockPrompt, settled, WORKER_TOML, type View } from "./support.ts";

const KB = 1024;
/** Small caps so the size attacks stay small: 64 KB a file, 256 KB in all, 20 entries. */
const LIMITS: UnzipLimits = { maxEntries: 20, maxFileBytes: 64 * KB, maxTotalBytes: 256 * KB };
const harnesses = harnessSet(WORKER_TOOLS, {
  configToml: `${WORKER_TOML}
[workers]
max_download_bytes = ${64 * KB}
max_unpacked_bytes = ${256 * KB}
max_unpacked_files = 20
`,
});
afterAll(async () => {
  await harnesses.closeAll();
  removeTempDirs();
});

const text = (value: string) => strToU8(value);
const S_IFLNK = 0o120000;

/** The central directory entries of `zip`: offset of each record and its name. */
function centralEntries(zip: Uint8Array): Array<{ at: number; name: string; local: number }> {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let end = zip.length - 22;
  while (view.getUint32(end, true) !== 0x06054b50) end--;
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const entries = [];
  for (let i = 0; i < count; i++) {
    const nameLength = view.getUint16(at + 28, true);
    entries.push({ at, name: new TextDecoder().decode(zip.subarray(at + 46, at + 46 + nameLength)), local: view.getUint32(at + 42, true) });
    at += 46 + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
  }
  return entries;
}

/** Hand-edits one entry's central (and local) header fields: what fflate will not write itself. */
function patchEntry(
  zip: Uint8Array,
  name: string,
  fields: { externalAttrs?: number; madeBy?: number; size?: number; flags?: number; method?: number },
): Uint8Array {
  const out = zip.slice();
  const view = new DataView(out.buffer);
  const entry = centralEntries(out).find((candidate) => candidate.name === name)!;
  if (fields.madeBy !== undefined) view.setUint16(entry.at + 4, fields.madeBy, true);
  if (fields.flags !== undefined) {
    view.setUint16(entry.at + 8, fields.flags, true);
    view.setUint16(entry.local + 6, fields.flags, true);
  }
  if (fields.method !== undefined) {
    view.setUint16(entry.at + 10, fields.method, true);
    view.setUint16(entry.local + 8, fields.method, true);
  }
  if (fields.size !== undefined) {
    view.setUint32(entry.at + 24, fields.size, true);
    view.setUint32(entry.local + 22, fields.size, true);
  }
  if (fields.externalAttrs !== undefined) view.setUint32(entry.at + 38, fields.externalAttrs >>> 0, true);
  return out;
}

/** A one-entry zip whose member is stored under exactly `name` (no folder entries added). */
const single = (name: string, content = "x\n") => zipSync({ [name]: text(content) });
const unixMode = (mode: number) => ({ os: 3, attrs: (mode << 16) >>> 0 });

/** Every attack: the zip and the code it is refused with. */
const ATTACKS: Array<{ name: string; zip: () => Uint8Array; code: string }> = [
  { name: "absolute path", zip: () => single("/etc/cron.d/evil"), code: "zip_entry_absolute" },
  { name: "Windows drive path", zip: () => single("C:/Windows/evil.dll"), code: "zip_entry_absolute" },
  { name: "parent traversal", zip: () => single("../../outside.txt"), code: "zip_entry_traversal" },
  { name: "traversal in the middle", zip: () => single("docs/../../outside.txt"), code: "zip_entry_traversal" },
  { name: "backslash traversal", zip: () => single("..\\outside.txt"), code: "zip_entry_traversal" },
  { name: "empty name", zip: () => single(""), code: "zip_entry_empty" },
  { name: "a '.' entry", zip: () => single("."), code: "zip_entry_empty" },
  { name: "a './' segment", zip: () => single("./a.txt"), code: "zip_entry_empty" },
  {
    name: "symlink (fflate attrs)",
    zip: () => zipSync({ "ok.txt": text("ok"), link: [text("/etc/passwd"), unixMode(S_IFLNK | 0o777)] }),
    code: "zip_entry_symlink",
  },
  {
    name: "symlink (hand-set external attributes)",
    zip: () =>
      patchEntry(zipSync({ "ok.txt": text("ok"), escape: text("../../..") }), "escape", { madeBy: 0x031e, externalAttrs: ((S_IFLNK | 0o755) << 16) >>> 0 }),
    code: "zip_entry_symlink",
  },
  { name: "character device", zip: () => zipSync({ tty: [text(""), unixMode(0o020000 | 0o600)] }), code: "zip_entry_special" },
  { name: "block device", zip: () => zipSync({ sda: [text(""), unixMode(0o060000 | 0o600)] }), code: "zip_entry_special" },
  {
    name: "FIFO",
    zip: () => patchEntry(single("pipe"), "pipe", { madeBy: 0x031e, externalAttrs: ((0o010000 | 0o644) << 16) >>> 0 }),
    code: "zip_entry_special",
  },
  { name: "socket", zip: () => zipSync({ sock: [text(""), unixMode(0o140000 | 0o755)] }), code: "zip_entry_special" },
  { name: "encrypted entry", zip: () => patchEntry(single("secret.txt"), "secret.txt", { flags: 0x1 }), code: "zip_entry_encrypted" },
  { name: "unsupported method", zip: () => patchEntry(single("lzma.bin"), "lzma.bin", { method: 14 }), code: "zip_unsupported_method" },
  { name: "two names that sanitize alike", zip: () => zipSync({ "a b.txt": text("1"), "a_b.txt": text("2") }), code: "zip_entry_duplicate" },
  { name: "a file and a folder of one name", zip: () => zipSync({ "x/y.txt": text("1"), X: text("2") }), code: "zip_entry_duplicate" },
  {
    name: "too many entries",
    zip: () => zipSync(Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`f${i}.txt`, text("x")]))),
    code: "zip_too_many_entries",
  },
  { name: "one file over the file cap", zip: () => zipSync({ "big.bin": new Uint8Array(64 * KB + 1) }), code: "zip_file_too_large" },
  {
    name: "files over the total cap",
    zip: () => zipSync(Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`part${i}.bin`, new Uint8Array(60 * KB)]))),
    code: "zip_too_large",
  },
  { name: "not a zip", zip: () => text("PK but not really a zip archive"), code: "zip_invalid" },
];

describe("listZip refuses each attack before writing anything", () => {
  for (const attack of ATTACKS) {
    test(attack.name, () => {
      let code = "none";
      try {
        listZip(attack.zip(), LIMITS);
      } catch (error) {
        code = (error as { code?: string }).code ?? String(error);
      }
      expect(code).toBe(attack.code);
    });
  }
});

/** A zip written byte by byte: one deflated entry with whatever sizes and CRC it claims. */
function handZip(name: string, data: Uint8Array, declared: { size: number; crc32?: number }): Uint8Array {
  const nameBytes = text(name);
  const local = new Uint8Array(30 + nameBytes.length);
  const lv = new DataView(local.buffer);
  lv.setUint32(0, 0x04034b50, true);
  lv.setUint16(4, 20, true);
  lv.setUint16(8, 8, true);
  lv.setUint32(14, declared.crc32 ?? 0, true);
  lv.setUint32(18, data.length, true);
  lv.setUint32(22, declared.size, true);
  lv.setUint16(26, nameBytes.length, true);
  local.set(nameBytes, 30);
  const central = new Uint8Array(46 + nameBytes.length);
  const cv = new DataView(central.buffer);
  cv.setUint32(0, 0x02014b50, true);
  cv.setUint16(4, 0x0314, true);
  cv.setUint16(6, 20, true);
  cv.setUint16(10, 8, true);
  cv.setUint32(16, declared.crc32 ?? 0, true);
  cv.setUint32(20, data.length, true);
  cv.setUint32(24, declared.size, true);
  cv.setUint16(28, nameBytes.length, true);
  cv.setUint32(38, (0o100644 << 16) >>> 0, true);
  central.set(nameBytes, 46);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, 1, true);
  ev.setUint16(10, 1, true);
  ev.setUint32(12, central.length, true);
  ev.setUint32(16, local.length + data.length, true);
  const zip = new Uint8Array(local.length + data.length + central.length + end.length);
  zip.set(local, 0);
  zip.set(data, local.length);
  zip.set(central, local.length + data.length);
  zip.set(end, local.length + data.length + central.length);
  return zip;
}

/**
 * A deflate stream of `megabytes` MB of zeros, about 1 KB per MB: one byte-aligned block of 1 MB
 * of zeros (it refers to nothing before it) repeated, then an empty final block.
 */
function zerosStream(megabytes: number): Uint8Array {
  const parts: Uint8Array[] = [];
  const deflate = new Deflate({ level: 9 }, (chunk) => void parts.push(chunk));
  deflate.push(new Uint8Array(1024 * KB), false);
  deflate.flush(true);
  const block = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) block.set(part, (at += part.length) - part.length);
  const stream = new Uint8Array(block.length * megabytes + 2);
  for (let i = 0; i < megabytes; i++) stream.set(block, i * block.length);
  stream.set([0x03, 0x00], block.length * megabytes); // BFINAL, fixed Huffman, end of block
  return stream;
}

describe("zip bombs", () => {
  /** 4 GB of zeros in about 4 MB: a ratio of about 1000:1, far more than memory would hold at once. */
  const stream = zerosStream(4096);

  test("an honest bomb is refused by its declared size, before anything is inflated", async () => {
    const zip = handZip("zeros.bin", stream, { size: 0xf0000000 });
    const target = join(tempDir(), "unpacked");
    await expect(unpackZip(zip, target, LIMITS)).rejects.toMatchObject({ code: "zip_file_too_large" });
    expect(existsSync(target)).toBe(false);
  });

  test("a bomb that lies about its size stops at the declared size while inflating", async () => {
    const zip = handZip("zeros.bin", stream, { size: 1000 });
    const target = join(tempDir(), "unpacked");
    const started = performance.now();
    await expect(unpackZip(zip, target, LIMITS)).rejects.toMatchObject({ code: "zip_size_mismatch" });
    // It stopped at the first step past 1000 bytes: inflating the 4 GB would take far longer (or run out of memory).
    expect(performance.now() - started).toBeLessThan(2000);
    expect(statSync(join(target, "zeros.bin")).size).toBeLessThanOrEqual(1000);
  });

  test("an fflate-built zip with its declared size lowered under every cap is stopped too", async () => {
    const zip = patchEntry(zipSync({ "readme.txt": text("hi"), "z.bin": new Uint8Array(16 * 1024 * KB) }), "z.bin", { size: 60 * KB });
    const target = join(tempDir(), "unpacked");
    await expect(unpackZip(zip, target, LIMITS)).rejects.toMatchObject({ code: "zip_size_mismatch" });
    expect(statSync(join(target, "z.bin")).size).toBeLessThanOrEqual(60 * KB);
  });

  test("a wrong CRC-32 is refused", async () => {
    const zip = handZip("zeros.bin", zerosStream(1), { size: 1024 * KB, crc32: 1234 });
    await expect(unpackZip(zip, join(tempDir(), "unpacked"), { ...LIMITS, maxFileBytes: 2048 * KB, maxTotalBytes: 2048 * KB })).rejects.toMatchObject({
      code: "zip_invalid",
    });
  });
});

test("a good zip unpacks with sanitized names, 0700 folders and 0600 files", async () => {
  const zip = zipSync({
    "README.md": text("# Read me\n"),
    "src/": {},
    "src/main file.ts": text("export {};\n"),
    docs: { ".hidden": text("h"), "notes (v2).txt": text("n") },
    "data.bin": new Uint8Array([0, 1, 2, 3]),
  });
  const target = join(tempDir(), "unpacked");
  const result = await unpackZip(zip, target, LIMITS);
  expect(result.files.map((file) => file.path)).toEqual(
    ["data.bin", "docs/_hidden", "docs/notes_v2_.txt", "README.md", "src/main_file.ts"].sort((a, b) => a.localeCompare(b)),
  );
  expect(result.bytes).toBe(10 + 11 + 1 + 1 + 4);
  expect(readFileSync(join(target, "src/main_file.ts"), "utf8")).toBe("export {};\n");
  expect(statSync(join(target, "src")).mode & 0o777).toBe(0o700);
  expect(statSync(join(target, "docs")).mode & 0o777).toBe(0o700);
  expect(statSync(join(target, "README.md")).mode & 0o777).toBe(0o600);
  expect(result.directories).toEqual(["docs", "src"]);
});

describe("through codex_worker_inbox", () => {
  function artifactsOnDisk(home: string): string[] {
    return existsSync(join(home, "artifacts")) ? readdirSync(join(home, "artifacts")) : [];
  }

  test("a zip is unpacked, inspected, copied into the worktree and kept out of changes and integration", async () => {
    const zip = zipSync({ "spec.md": text("# Spec\n"), fixtures: { "input.json": text('{"a":1}\n') } });
    const repo = makeGitRepo({ "a.txt": "a\n", "bundle.zip": zip });
    const h = await harnesses.open(repo);
    const imported = await h.ok<{ artifact: { id: string; unpacked: boolean; file_count: number; unpacked_bytes: number } }>("codex_worker_inbox", {
      action: "import_file",
      source_path: "bundle.zip",
      label: "bundle",
    });
    const id = imported.artifact.id;
    expect(imported.artifact).toMatchObject({ unpacked: true, file_count: 2, unpacked_bytes: 15 });
    const home = h.host.home;
    expect(statSync(join(home, "artifacts", id, "unpacked")).mode & 0o777).toBe(0o700);
    expect(statSync(join(home, "artifacts", id, "unpacked/fixtures/input.json")).mode & 0o777).toBe(0o600);

    const tree = await h.ok<{ artifact: { files: Array<{ path: string; bytes: number }>; folders: string[] } }>("codex_worker_inbox", {
      action: "inspect",
      artifact_id: id,
      view: "tree",
    });
    expect(tree.artifact.files).toEqual([
      { path: "fixtures/input.json", bytes: 8 },
      { path: "spec.md", bytes: 7 },
    ]);
    expect(tree.artifact.folders).toEqual(["fixtures"]);
    expect(
      (await h.ok<{ content: string }>("codex_worker_inbox", { action: "inspect", artifact_id: id, view: "file", file_path: "fixtures/input.json" })).content,
    ).toBe('{"a":1}\n');
    expect(await h.errorCode("codex_worker_inbox", { action: "inspect", artifact_id: id, view: "file", file_path: "bundle.zip" })).toBe("not_found");

    const started = await h.ok<View>("codex_worker_start", {
      name: "z",
      brief: mockPrompt({ write: { path: "impl.txt", content: "done\n" } }),
      agent: "mock",
      context_from_artifacts: [id],
    });
    const folder = join(started.worktree!.path, ".ai-bridge/imported-artifacts", id);
    expect(readFileSync(join(folder, "spec.md"), "utf8")).toBe("# Spec\n");
    expect(readFileSync(join(folder, "fixtures/input.json"), "utf8")).toBe('{"a":1}\n');
    expect(existsSync(join(folder, "bundle.zip"))).toBe(false);
    await settled(h, "z");
    const changes = await h.ok<{ details: { files: Array<{ path: string }> } }>("codex_worker_inspect", { worker: "z", view: "changes" });
    expect(changes.details.files.map((f) => f.path)).toEqual(["impl.txt"]);
    expect(await h.errorCode("codex_worker_inspect", { worker: "z", view: "diff", file_path: `.ai-bridge/imported-artifacts/${id}/spec.md` })).toBe(
      "file_not_changed",
    );
    expect((await h.ok<{ files: string[] }>("codex_worker_integrate", { worker: "z" })).files).toEqual(["impl.txt"]);
    expect(existsSync(join(repo, ".ai-bridge"))).toBe(false);
  });

  /** Every entry under `root` (recursively, symlinks not followed); files and links with size and mtime (a folder's mtime moves when a temp entry comes and goes). */
  function tree(root: string): string[] {
    if (!existsSync(root)) return [];
    return readdirSync(root, { recursive: true, encoding: "utf8" })
      .map((path) => {
        const stat = lstatSync(join(root, path));
        return stat.isDirectory() ? `${path}/` : `${path} ${stat.isSymbolicLink() ? "link" : "file"} ${stat.size} ${stat.mtimeMs}`;
      })
      .sort();
  }

  /** What an attack could touch: the repository's parent (it holds only the repository), the home, and the absolute targets the attacks name. */
  function snapshot(parent: string, home: string): Record<string, unknown> {
    const target = (path: string) => (existsSync(path) ? `${lstatSync(path).size} ${lstatSync(path).mtimeMs}` : "absent");
    return {
      parent: tree(parent),
      home: tree(home),
      targets: ["/etc/cron.d/evil", "/etc/passwd", resolve("C:"), resolve("C:/Windows/evil.dll"), "/outside.txt"].map((path) => `${path} ${target(path)}`),
    };
  }

  test("each zip attack is refused by the tool and leaves nothing on disk or in the inbox", async () => {
    // The repository alone in a parent of its own, so any write beside it shows.
    const parent = tempDir("patchbay-zip-parent-");
    const repo = makeGitRepo({ "a.txt": "a\n" }, { prefix: `${basename(parent)}/repo-` });
    const h = await harnesses.open(repo);
    // The inbox folder itself may appear on the first import; what matters is what goes in it and elsewhere.
    mkdirSync(join(h.host.home, "artifacts"), { recursive: true, mode: 0o700 });
    const lying = patchEntry(zipSync({ "ok.txt": text("fine"), "zeros.bin": new Uint8Array(16 * 1024 * KB) }, { level: 9 }), "zeros.bin", { size: 1000 });
    for (const attack of [...ATTACKS, { name: "lying bomb", zip: () => lying, code: "zip_size_mismatch" }]) {
      writeFileSync(join(repo, "attack.zip"), attack.zip());
      const before = snapshot(parent, h.host.home);
      const code = await h.errorCode("codex_worker_inbox", { action: "import_file", source_path: "attack.zip" });
      expect(`${attack.name}: ${code}`).toBe(`${attack.name}: ${attack.code}`);
      expect([attack.name, snapshot(parent, h.host.home)]).toEqual([attack.name, before]);
      expect(artifactsOnDisk(h.host.home)).toEqual([]);
    }
    expect((await h.ok<{ artifacts: unknown[] }>("codex_worker_inbox", { action: "list" })).artifacts).toEqual([]);
  });

  test("artifacts are not copied through a symlink an agent left in the worktree", async () => {
    const repo = makeGitRepo({ "a.txt": "a\n", "bundle.zip": zipSync({ "x.txt": text("x") }) });
    const h = await harnesses.open(repo);
    const { artifact } = await h.ok<{ artifact: { id: string } }>("codex_worker_inbox", { action: "import_file", source_path: "bundle.zip" });
    const started = await h.ok<View>("codex_worker_start", { name: "s", brief: mockPrompt({}), agent: "mock" });
    await settled(h, "s");
    const outside = tempDir();
    mkdirSync(join(started.worktree!.path, ".ai-bridge"), { recursive: true });
    const { symlinkSync } = await import("node:fs");
    symlinkSync(outside, join(started.worktree!.path, ".ai-bridge/imported-artifacts"));
    expect(await h.errorCode("codex_worker_message", { worker: "s", message: mockPrompt({}), context_from_artifacts: [artifact.id] })).toBe(
      "artifact_copy_refused",
    );
    expect(readdirSync(outside)).toEqual([]);
  });

  test("a file over workers.max_download_bytes is refused", async () => {
    const repo = makeGitRepo({ "big.txt": "x".repeat(64 * KB + 1) });
    const h = await harnesses.open(repo);
    expect(await h.errorCode("codex_worker_inbox", { action: "import_file", source_path: "big.txt" })).toBe("artifact_too_large");
    expect(artifactsOnDisk(h.host.home)).toEqual([]);
  });
});
