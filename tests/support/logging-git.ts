/**
 * A `git` on PATH that logs each start: which git processes a call made, counted through the real
 * binary (issue #16's spawn counts).
 */
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./patchbay.ts";

/** A PATH whose `git` appends its subcommand to a log and runs the real git; `started` reads the log. */
export function loggingGit(): { path: string; started: () => string[] } {
  const dir = tempDir("pb-git-log-");
  const log = join(dir, "git.log");
  const realGit = Bun.which("git");
  if (!realGit) throw new Error("git is not on PATH");
  writeFileSync(log, "");
  // The subcommand is the first argument that is neither an option nor a `-c` value.
  const script = [
    "#!/bin/sh",
    `skip=; for a in "$@"; do [ -n "$skip" ] && { skip=; continue; }; case "$a" in -c|-C) skip=1;; -*) ;; *) echo "$a" >> '${log}'; break;; esac; done`,
    `exec '${realGit}' "$@"`,
  ].join("\n");
  writeFileSync(join(dir, "git"), script);
  chmodSync(join(dir, "git"), 0o755);
  return { path: `${dir}:${process.env.PATH}`, started: () => readFileSync(log, "utf8").split("\n").filter(Boolean) };
}
