/**
 * The escape suite: ways out of a repository that the path guard must refuse, each with its code,
 * and nothing read or written outside. The same attempts run through the tools in escape-tools.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { guardPath, resolveRepository } from "../../src/workspace/path-guard.ts";
import { readInside, writeInside } from "../../src/workspace/guarded-fs.ts";
import { makeEscapeFixture } from "../support/escape-fixture.ts";
import { removeTempDirs } from "../support/patchbay.ts";

const BLOCKED = [".env*", "**/*.pem", "**/*.key", ".git/**", "**/id_rsa*"];
let base: string;
let root: string;

beforeAll(() => {
  ({ base, root } = makeEscapeFixture());
});
afterAll(removeTempDirs);

const guard = (path: string) => guardPath(root, path, { blockedGlobs: BLOCKED });

async function codeOf(attempt: Promise<unknown>): Promise<string> {
  try {
    await attempt;
    return "allowed";
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

const ATTEMPTS: Array<[string, () => string, string]> = [
  ["a sibling through ..", () => "../repo-evil/secret.txt", "path_outside_roots"],
  ["deep .. to /etc", () => "../../../../../../etc/passwd", "path_outside_roots"],
  ["an absolute path elsewhere", () => "/etc/passwd", "path_outside_roots"],
  ["an absolute prefix look-alike", () => `${root}-evil/secret.txt`, "path_outside_roots"],
  ["down then up and out", () => "sub/../../repo-evil/secret.txt", "path_outside_roots"],
  ["dot-slash then up", () => "./../outside/secret.txt", "path_outside_roots"],
  ["dots inside the path", () => "sub/./../../outside/secret.txt", "path_outside_roots"],
  ["a case trick on the sibling", () => "../REPO-EVIL/secret.txt", "path_outside_roots"],
  ["a symlinked file pointing out", () => "link-file", "path_outside_roots"],
  ["a symlinked directory pointing out", () => "link-dir", "path_outside_roots"],
  ["a file under a symlinked directory", () => "link-dir/secret.txt", "path_outside_roots"],
  ["a new file under a symlinked directory", () => "link-dir/new.txt", "path_outside_roots"],
  ["a relative symlink climbing out", () => "sub/deeper/link-up/outside/secret.txt", "path_outside_roots"],
  ["a chain of symlinks", () => "link-chain", "path_outside_roots"],
  ["a dangling symlink", () => "dangling", "path_invalid"],
  ["a NUL byte", () => "README.md\0.png", "path_invalid"],
  ["a Windows drive path", () => "C:\\Windows\\system32", "path_invalid"],
  ["a UNC path", () => "\\\\server\\share\\file", "path_invalid"],
  ["backslash traversal", () => "..\\outside\\secret.txt", "path_invalid"],
  ["a home path", () => "~/.ssh/id_rsa", "path_invalid"],
  ["URL-encoded dots", () => "%2e%2e/outside/secret.txt", "path_invalid"],
  ["URL-encoded slash", () => "..%2foutside%2fsecret.txt", "path_invalid"],
  ["a very long path", () => "a/".repeat(2500), "path_invalid"],
  ["a very long segment", () => "x".repeat(300), "path_invalid"],
  ["an empty path", () => "", "path_invalid"],
  ["a blocked .env", () => ".env", "path_blocked"],
  ["a blocked nested .env", () => "sub/.env.local", "path_blocked"],
  ["a blocked key file", () => "keys/server.pem", "path_blocked"],
  ["the .git directory", () => ".git", "path_blocked"],
  ["a file inside .git", () => ".git/config", "path_blocked"],
];

describe("the path guard refuses", () => {
  for (const [name, path, code] of ATTEMPTS) {
    test(`${name} with ${code}`, async () => {
      expect(await codeOf(guard(path()))).toBe(code);
    });
  }

  test("a repository outside the allowed roots, by look-alike and by ..", async () => {
    const scope = { defaultRoot: root, allowedRoots: [root], power: { directWrite: false, bashMode: "off" as const, codexSessionRead: false } };
    expect(await codeOf(resolveRepository(scope, `${root}-evil`))).toBe("path_outside_roots");
    expect(await codeOf(resolveRepository(scope, "../outside"))).toBe("path_outside_roots");
    expect((await resolveRepository(scope, "sub")).root).toBe(join(root, "sub"));
  });
});

describe("the path guard allows", () => {
  test("paths inside, relative or absolute, existing or not", async () => {
    expect(await guard("README.md")).toEqual({ absolute: join(root, "README.md"), relative: "README.md", exists: true });
    expect(await guard(join(root, "sub/new.txt"))).toEqual({ absolute: join(root, "sub/new.txt"), relative: "sub/new.txt", exists: false });
    expect(await guard("sub/deeper/../../README.md")).toMatchObject({ relative: "README.md" });
  });
});

describe("a symlink created after the check", () => {
  test("is not followed by a read", async () => {
    const checked = await guard("late-file");
    symlinkSync(join(base, "outside", "secret.txt"), join(root, "late-file"));
    expect(await codeOf(readInside(root, checked.absolute, 1000))).toBe("path_outside_roots");
  });

  test("does not redirect a write", async () => {
    mkdirSync(join(root, "late-dir"));
    const checked = await guard("late-dir/written.txt");
    // Swap the checked directory for a link out of the repository.
    const { renameSync } = await import("node:fs");
    renameSync(join(root, "late-dir"), join(root, "late-dir-moved"));
    symlinkSync(join(base, "outside"), join(root, "late-dir"));
    expect(await codeOf(writeInside(root, checked.absolute, "x"))).toBe("path_outside_roots");
    expect(existsSync(join(base, "outside", "written.txt"))).toBe(false);
  });

  test("a write replaces a symlink at the target instead of writing through it", async () => {
    const checked = await guard("README-link.md");
    symlinkSync(join(base, "outside", "secret.txt"), join(root, "README-link.md"));
    await writeInside(root, checked.absolute, "replaced");
    expect(readFileSync(join(base, "outside", "secret.txt"), "utf8")).toBe("outside secret");
    expect(readFileSync(join(root, "README-link.md"), "utf8")).toBe("replaced");
  });
});

describe("choosing a blocked folder as the repository", () => {
  test("is refused, and globs written for the allowed root still apply below a chosen subfolder", async () => {
    const { workspaceIn } = await import("../../src/workspace/workspace.ts");
    mkdirSync(join(root, "secrets"), { recursive: true });
    writeFileSync(join(root, "secrets", "key.txt"), "PRIVATE");
    mkdirSync(join(root, "pkg", "secrets"), { recursive: true });
    writeFileSync(join(root, "pkg", "secrets", "key.txt"), "PRIVATE");
    const scope = { defaultRoot: root, allowedRoots: [root], power: { directWrite: false, bashMode: "off" as const, codexSessionRead: false } };
    const globs = [...BLOCKED, "secrets/**", "pkg/secrets/**"];
    expect(await codeOf(workspaceIn(scope, globs, ".git"))).toBe("path_blocked");
    expect(await codeOf(workspaceIn(scope, globs, "secrets"))).toBe("path_blocked");
    // Only the allowed-root-relative glob matches here: relative to pkg the file is secrets/key.txt.
    const pkg = await workspaceIn(scope, [...BLOCKED, "pkg/secrets/**"], "pkg");
    expect(await codeOf(pkg.guard("secrets/key.txt"))).toBe("path_blocked");
  });
});

describe("writes", () => {
  test("creating directories does not follow a symlink swapped in after the check", async () => {
    const checked = await guard("made/deeper/file.txt");
    symlinkSync(join(base, "outside"), join(root, "made"));
    expect(await codeOf(writeInside(root, checked.absolute, "x", { createDirs: true }))).toBe("path_outside_roots");
    expect(existsSync(join(base, "outside", "deeper"))).toBe(false);
  });

  test("nothing inside any .git is reachable, even when the blocked globs allow it", async () => {
    expect(await codeOf(guardPath(root, ".git/hooks/pre-commit", { blockedGlobs: [] }))).toBe("path_blocked");
    expect(await codeOf(guardPath(root, "vendor/lib/.git/config", { blockedGlobs: [] }))).toBe("path_blocked");
    // The write itself is a second fence, for callers that skipped the guard.
    expect(await codeOf(writeInside(root, join(root, ".git", "hooks", "pre-commit"), "#!/bin/sh\necho pwned", { createDirs: true }))).toBe("path_blocked");
    expect(existsSync(join(root, ".git", "hooks", "pre-commit"))).toBe(false);
  });
});
