import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./patchbay.ts";

/** A repository with a look-alike sibling, an outside directory, and links pointing out. */
export function makeEscapeFixture(): { base: string; root: string; outside: string } {
  const dir = tempDir("patchbay-escape-");
  const repo = join(dir, "repo");
  const outside = join(dir, "outside");
  mkdirSync(join(repo, "sub", "deeper"), { recursive: true });
  mkdirSync(join(repo, ".git"), { recursive: true });
  mkdirSync(outside);
  mkdirSync(join(dir, "repo-evil"));
  writeFileSync(join(dir, "repo-evil", "secret.txt"), "evil secret");
  writeFileSync(join(outside, "secret.txt"), "outside secret");
  writeFileSync(join(repo, "README.md"), "hello");
  writeFileSync(join(repo, ".env"), "TOKEN=x");
  writeFileSync(join(repo, ".git", "config"), "[core]");
  symlinkSync(join(outside, "secret.txt"), join(repo, "link-file"));
  symlinkSync(outside, join(repo, "link-dir"));
  symlinkSync("../../..", join(repo, "sub", "deeper", "link-up"));
  symlinkSync(join(dir, "nowhere"), join(repo, "dangling"));
  symlinkSync(join(repo, "link-file"), join(repo, "link-chain"));
  return { base: dir, root: repo, outside };
}
