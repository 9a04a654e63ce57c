import { chmod, copyFile, mkdir, readFile, realpath, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { writeConfigFile } from "../config/index.ts";
import { PatchbayError } from "../errors/index.ts";

/** The file's text, or undefined when it does not exist. */
export async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    throw new PatchbayError("config_unreadable", `${file}: cannot be read (${code}); left untouched`, {
      next: `check the permissions of ${file}`,
      cause: error,
    });
  }
}

/** A copy of `file` under `$PATCHBAY_HOME/backups` (mode 0600), taken before patchbay changes it. */
export async function backupFile(file: string, home: string, host: string): Promise<string> {
  const dir = join(home, "backups");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const target = join(dir, `${stamp}-${host}-${basename(file)}`);
  await copyFile(file, target);
  await chmod(target, 0o600);
  return target;
}

/** A host whose folder comes from its own variable (CODEX_HOME) never gets that folder made up: it must exist. */
export async function assertFolderExists(file: string): Promise<void> {
  const dir = dirname(await realpath(file).catch(() => file));
  const exists = await stat(dir).then(
    (info) => info.isDirectory(),
    () => false,
  );
  if (!exists)
    throw new PatchbayError("config_unreadable", `${dir} does not exist (CODEX_HOME must name an existing directory)`, {
      next: `create ${dir} or unset CODEX_HOME`,
    });
}

/**
 * Replaces the file's content atomically (`writeConfigFile`), keeping its mode (0600 for a new
 * file, as the hosts create theirs). A symlinked config is written where the link points.
 */
export async function writeTextAtomic(file: string, text: string, options: { dirMustExist?: boolean } = {}): Promise<void> {
  const target = await realpath(file).catch(() => file);
  if (options.dirMustExist) await assertFolderExists(target);
  const mode = await stat(target).then(
    (info) => info.mode & 0o777,
    () => 0o600,
  );
  await writeConfigFile(target, text, { mode });
}

export async function removeFile(file: string): Promise<void> {
  await rm(file, { force: true });
}
