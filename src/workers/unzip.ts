/**
 * Safe zip unpacking for the artifact inbox.
 *
 * The central directory is the one listing trusted here: it is read first and every entry is
 * checked before anything is written (no absolute names, no `..`, no empty or `.` segments, no
 * symlinks, devices, FIFOs or sockets, no encryption, only stored or deflated data, at most
 * `maxEntries` entries, no declared size over `maxFileBytes` or a declared total over
 * `maxTotalBytes`). fflate's `unzipSync` would inflate each entry whole into a buffer sized by
 * the declared size, and its file info carries no external attributes (where a symlink shows),
 * so each entry is inflated here with fflate's zip decoder (`UnzipInflate`), fed in small chunks
 * and counted as it goes: an entry that inflates past its declared size (a lying zip bomb) stops
 * there, with at most one chunk's worth of output in memory.
 *
 * Names are sanitized per segment to `[alnum ._-]` (no leading dot, at most 180 characters);
 * folders are created 0700 and files 0600.
 */
import { constants } from "node:fs";
import { mkdir, open } from "node:fs/promises";
import { dirname, join } from "node:path";
import { type ErrorCode, PatchbayError } from "../errors/index.ts";

export interface UnzipLimits {
  /** Entries (files and folders) at most. */
  maxEntries: number;
  /** Unpacked bytes of one file at most. */
  maxFileBytes: number;
  /** Unpacked bytes of all files together at most. */
  maxTotalBytes: number;
}

/** One member of the archive, as its central directory declares it, after the checks. */
export interface ZipEntry {
  /** The name as stored in the archive. */
  name: string;
  /** The sanitized relative path it unpacks to. */
  path: string;
  directory: boolean;
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

export interface UnpackedZip {
  files: Array<{ path: string; bytes: number }>;
  directories: string[];
  bytes: number;
}

/** Input bytes fed to the decoder at a time: deflate expands at most ~1032×, so ≤ ~8 MB out per step. */
const INFLATE_CHUNK = 8 * 1024;
const MAX_PATH_CHARS = 1024;
const MAX_DEPTH = 32;

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const SPECIAL_TYPES: Record<number, string> = { 4802: "a character device", 14406: "a block device", 2401: "a FIFO", 26411: "a socket" };

const CAP_KEYS: Record<string, string> = {
  zip_too_many_entries: "workers.max_unpacked_files",
  zip_file_too_large: "workers.max_download_bytes",
  zip_too_large: "workers.max_unpacked_bytes",
};

function zipError(code: ErrorCode, message: string, details?: Record<string, unknown>): PatchbayError {
  const cap = CAP_KEYS[code];
  const next = cap
    ? `nothing was kept; send a smaller archive, or raise ${cap} in the server's config.toml`
    : "nothing was unpacked or kept; fix the archive (or send its files one by one) and import it again";
  return new PatchbayError(code, message, { next, ...(details && { details }) });
}

function shownName(name: string): string {
  return JSON.stringify(name.length > 120 ? `${name.slice(0, 120)}…` : name);
}

/** One path segment as it may appear on disk: `[alnum ._-]`, no leading dot, at most 180 characters. */
export function safeSegment(segment: string): string {
  return segment
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/^[.]+/, "_")
    .slice(0, 180);
}

/** True for a relative path made only of segments `safeSegment` could have produced. */
export function isSafeRelativePath(path: string): boolean {
  return path !== "" && path.length <= MAX_PATH_CHARS && path.split("/").every((segment) => /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,179}$/.test(segment));
}

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

function crcUpdate(crc: number, bytes: Uint8Array): number {
  let c = crc ^ -1;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

class Reader {
  private readonly view: DataView;
  constructor(readonly data: Uint8Array) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }
  has(offset: number, length: number): boolean {
    return offset >= 0 && length >= 0 && offset + length <= this.data.length;
  }
  u16(offset: number): number {
    return this.view.getUint16(offset, true);
  }
  u32(offset: number): number {
    return this.view.getUint32(offset, true);
  }
  u64(offset: number): number {
    const value = this.view.getBigUint64(offset, true);
    return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
  }
}

const corrupt = (why: string) => zipError("zip_invalid", `not a readable zip archive: ${why}`);

/** The central directory's place and size, from the end record (zip64 included). */
function endRecord(reader: Reader): { entries: number; offset: number; size: number } {
  const data = reader.data;
  const lowest = Math.max(0, data.length - 22 - 0xffff);
  for (let at = data.length - 22; at >= lowest; at--) {
    if (reader.u32(at) !== 0x06054b50 || at + 22 + reader.u16(at + 20) > data.length) continue;
    if (reader.u16(at + 4) !== 0 && reader.u16(at + 4) !== 0xffff) throw zipError("zip_unsupported", "multi-part (spanned) zip archives are not supported");
    let entries = reader.u16(at + 10);
    let size = reader.u32(at + 12);
    let offset = reader.u32(at + 16);
    if (entries === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
      const locator = at - 20;
      if (!reader.has(locator, 20) || reader.u32(locator) !== 0x07064b50) throw corrupt("zip64 end locator missing");
      const end64 = reader.u64(locator + 8);
      if (!reader.has(end64, 56) || reader.u32(end64) !== 0x06064b50) throw corrupt("zip64 end record missing");
      entries = reader.u64(end64 + 32);
      size = reader.u64(end64 + 40);
      offset = reader.u64(end64 + 48);
    }
    if (!reader.has(offset, size)) throw corrupt("the central directory lies outside the file");
    return { entries, offset, size };
  }
  throw corrupt("no end of central directory record");
}

/** The entry's type from its external attributes (Unix mode in the upper 16 bits, MS-DOS bits below). */
function entryKind(external: number, name: string): "file" | "directory" | { refused: string; code: ErrorCode } {
  const type = (external >>> 16) & S_IFMT;
  if (type === S_IFLNK) return { refused: "a symbolic link", code: "zip_entry_symlink" };
  if (SPECIAL_TYPES[type]) return { refused: SPECIAL_TYPES[type]!, code: "zip_entry_special" };
  if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) return { refused: `an entry of unknown type 0o${type.toString(8)}`, code: "zip_entry_special" };
  return type === S_IFDIR || (external & 0x10) !== 0 || /[/\\]$/.test(name) ? "directory" : "file";
}

/** The sanitized path of `name`, or the reason it is refused. */
function entryPath(name: string): string {
  if (name === "") throw zipError("zip_entry_empty", "a zip entry has an empty name");
  if (name.includes("\0")) throw zipError("zip_entry_invalid_name", `zip entry ${shownName(name)} has a NUL byte in its name`);
  const normal = name.replace(/\\/g, "/");
  if (normal.startsWith("/") || /^[A-Za-z]:/.test(normal)) throw zipError("zip_entry_absolute", `zip entry ${shownName(name)} is an absolute path`);
  const segments = normal.replace(/\/+$/, "").split("/");
  if (segments.includes("..")) throw zipError("zip_entry_traversal", `zip entry ${shownName(name)} has a ".." segment`);
  if (segments.some((segment) => segment === "" || segment === "."))
    throw zipError("zip_entry_empty", `zip entry ${shownName(name)} is empty or "." (or has an empty or "." segment)`);
  if (segments.length > MAX_DEPTH) throw zipError("zip_entry_invalid_name", `zip entry ${shownName(name)} is nested deeper than ${MAX_DEPTH} folders`);
  const path = segments.map(safeSegment).join("/");
  if (path.length > MAX_PATH_CHARS)
    throw zipError("zip_entry_invalid_name", `zip entry ${shownName(name)} has a path longer than ${MAX_PATH_CHARS} characters`);
  return path;
}

/**
 * Reads and checks the central directory of `data`; writes nothing. Throws a `zip_*` PatchbayError
 * for the first entry refused.
 *
 * @example
 * const entries = listZip(bytes, { maxEntries: 1000, maxFileBytes: 50e6, maxTotalBytes: 200e6 });
 */
export function listZip(data: Uint8Array, limits: UnzipLimits): ZipEntry[] {
  const reader = new Reader(data);
  if (data.length < 22) throw corrupt("too short");
  const end = endRecord(reader);
  if (end.entries > limits.maxEntries)
    throw zipError("zip_too_many_entries", `the zip has ${end.entries} entries, over the cap of ${limits.maxEntries}`, {
      entries: end.entries,
      cap: limits.maxEntries,
    });
  const entries: ZipEntry[] = [];
  const files = new Set<string>();
  const folders = new Set<string>();
  let total = 0;
  let at = end.offset;
  for (let index = 0; index < end.entries; index++) {
    if (!reader.has(at, 46) || reader.u32(at) !== 0x02014b50) throw corrupt(`central directory entry ${index} is damaged`);
    const flags = reader.u16(at + 8);
    const method = reader.u16(at + 10);
    const crc32 = reader.u32(at + 16);
    let compressedSize = reader.u32(at + 20);
    let size = reader.u32(at + 24);
    const nameLength = reader.u16(at + 28);
    const extraLength = reader.u16(at + 30);
    const commentLength = reader.u16(at + 32);
    const external = reader.u32(at + 38);
    let localOffset = reader.u32(at + 42);
    if (!reader.has(at + 46, nameLength + extraLength + commentLength)) throw corrupt(`central directory entry ${index} is cut short`);
    const rawName = data.subarray(at + 46, at + 46 + nameLength);
    const name = flags & 0x800 ? new TextDecoder("utf-8").decode(rawName) : Array.from(rawName, (byte) => String.fromCharCode(byte)).join("");
    // Zip64: the real sizes and offset follow, in this order, for each field saturated at 0xffffffff.
    for (let extra = at + 46 + nameLength, stop = extra + extraLength; extra + 4 <= stop; ) {
      const id = reader.u16(extra);
      const length = reader.u16(extra + 2);
      if (id === 0x0001) {
        let field = extra + 4;
        const next = () => {
          if (field + 8 > extra + 4 + length) throw corrupt(`the zip64 field of ${shownName(name)} is too short`);
          const value = reader.u64(field);
          field += 8;
          return value;
        };
        if (size === 0xffffffff) size = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localOffset === 0xffffffff) localOffset = next();
      }
      extra += 4 + length;
    }
    at += 46 + nameLength + extraLength + commentLength;

    const path = entryPath(name);
    const kind = entryKind(external, name);
    if (typeof kind === "object") throw zipError(kind.code, `zip entry ${shownName(name)} is ${kind.refused}; only files and folders are unpacked`);
    if (flags & 0x41) throw zipError("zip_entry_encrypted", `zip entry ${shownName(name)} is encrypted`);
    const directory = kind === "directory";
    if (!directory) {
      if (method !== 0 && method !== 8)
        throw zipError(
          "zip_unsupported_method",
          `zip entry ${shownName(name)} uses compression method ${method}; only stored (0) and deflate (8) are supported`,
        );
      if (method === 0 && compressedSize !== size) throw corrupt(`stored entry ${shownName(name)} declares different sizes`);
      if (size > limits.maxFileBytes)
        throw zipError("zip_file_too_large", `zip entry ${shownName(name)} unpacks to ${size} bytes, over the ${limits.maxFileBytes}-byte cap for one file`, {
          entry: path,
          bytes: size,
          cap: limits.maxFileBytes,
        });
      total += size;
      if (total > limits.maxTotalBytes)
        throw zipError("zip_too_large", `the zip unpacks to more than ${limits.maxTotalBytes} bytes (the cap for all its files)`, {
          cap: limits.maxTotalBytes,
        });
    }
    const key = path.toLowerCase();
    const parts = key.split("/");
    for (let depth = 1; depth < parts.length; depth++) folders.add(parts.slice(0, depth).join("/"));
    if (directory) folders.add(key);
    else if (files.has(key)) throw zipError("zip_entry_duplicate", `zip entry ${shownName(name)} unpacks to ${path}, which another entry already takes`);
    else files.add(key);
    entries.push({ name, path, directory, method, crc32, compressedSize, size, localOffset });
  }
  const clash = [...files].find((file) => folders.has(file));
  if (clash) throw zipError("zip_entry_duplicate", `${clash} is both a file and a folder in the zip`);
  return entries;
}

/** Where an entry's data starts, from its local header. */
function dataStart(reader: Reader, entry: ZipEntry): number {
  const at = entry.localOffset;
  if (!reader.has(at, 30) || reader.u32(at) !== 0x04034b50) throw corrupt(`the local header of ${shownName(entry.name)} is missing`);
  const start = at + 30 + reader.u16(at + 26) + reader.u16(at + 28);
  if (!reader.has(start, entry.compressedSize)) throw corrupt(`the data of ${shownName(entry.name)} lies outside the file`);
  return start;
}

/** Inflates one entry into `target` (created exclusively, 0600), stopping as soon as it passes its declared size. */
async function writeEntry(reader: Reader, entry: ZipEntry, target: string): Promise<number> {
  const start = dataStart(reader, entry);
  const input = reader.data.subarray(start, start + entry.compressedSize);
  const file = await open(target, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  let written = 0;
  let crc = 0;
  const tooBig = () =>
    zipError("zip_size_mismatch", `zip entry ${shownName(entry.name)} inflates past the ${entry.size} bytes it declares; refused as a zip bomb`, {
      entry: entry.path,
      declared: entry.size,
    });
  const emit = async (chunk: Uint8Array) => {
    written += chunk.length;
    if (written > entry.size) throw tooBig();
    crc = crcUpdate(crc, chunk);
    await file.write(chunk);
  };
  try {
    if (entry.method === 0) {
      for (let offset = 0; offset < input.length; offset += 1024 * 1024) await emit(input.subarray(offset, offset + 1024 * 1024));
    } else {
      // Loaded on the first inflated entry: importing fflate costs a compiled binary's every start about 10 ms.
      const { UnzipInflate } = await import("fflate");
      const decoder = new UnzipInflate();
      let pending: Uint8Array[] = [];
      let pendingBytes = 0;
      let failure: Error | null = null;
      decoder.ondata = (error, data) => {
        if (error) failure = error;
        else if (data.length) {
          pending.push(data);
          pendingBytes += data.length;
        }
      };
      for (let offset = 0; ; offset += INFLATE_CHUNK) {
        const last = offset + INFLATE_CHUNK >= input.length;
        decoder.push(input.subarray(offset, offset + INFLATE_CHUNK), last);
        if (failure) throw zipError("zip_invalid", `zip entry ${shownName(entry.name)} does not inflate: ${(failure as Error).message}`);
        // One step's output is checked before any of it is kept.
        if (written + pendingBytes > entry.size) throw tooBig();
        for (const chunk of pending) await emit(chunk);
        pending = [];
        pendingBytes = 0;
        if (last) break;
      }
    }
  } finally {
    await file.close();
  }
  if (written !== entry.size)
    throw zipError("zip_size_mismatch", `zip entry ${shownName(entry.name)} inflates to ${written} bytes, not the ${entry.size} it declares`, {
      entry: entry.path,
      declared: entry.size,
      actual: written,
    });
  if (crc !== entry.crc32) throw zipError("zip_invalid", `zip entry ${shownName(entry.name)} fails its CRC-32 check`);
  return written;
}

/**
 * Unpacks `data` under `target` (which must not exist yet) after checking every entry. On a
 * refusal partway (an entry that inflates past its declared size, a bad CRC), what was written
 * stays: the caller removes `target`.
 *
 * @example
 * const { files } = await unpackZip(await readFile(zipPath), join(dir, "unpacked"), limits);
 */
export async function unpackZip(data: Uint8Array, target: string, limits: UnzipLimits): Promise<UnpackedZip> {
  const entries = listZip(data, limits);
  const reader = new Reader(data);
  await mkdir(target, { mode: 0o700 });
  const directories = new Set<string>();
  const files: UnpackedZip["files"] = [];
  let bytes = 0;
  for (const entry of entries) {
    if (entry.directory) {
      await mkdir(join(target, entry.path), { recursive: true, mode: 0o700 });
      directories.add(entry.path);
      continue;
    }
    const parent = dirname(entry.path);
    if (parent !== ".") {
      await mkdir(join(target, parent), { recursive: true, mode: 0o700 });
      const parts = parent.split("/");
      for (let depth = 1; depth <= parts.length; depth++) directories.add(parts.slice(0, depth).join("/"));
    }
    const written = await writeEntry(reader, entry, join(target, entry.path));
    bytes += written;
    if (bytes > limits.maxTotalBytes)
      throw zipError("zip_too_large", `the zip unpacks to more than ${limits.maxTotalBytes} bytes`, { cap: limits.maxTotalBytes });
    files.push({ path: entry.path, bytes: written });
  }
  return { files: files.sort((a, b) => a.path.localeCompare(b.path)), directories: [...directories].sort(), bytes };
}
