/** Issue #15: `patchbay token rotate` on an agent that does not exist creates nothing; it says how to create one (exit 2). */
import { afterAll, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { removeTempDirs, runPatchbay, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

/** Every record file of a kind in the home's state (none when the folder does not exist yet). */
function records(home: string, kind: string): string[] {
  const dir = join(home, "state", "records", kind);
  return existsSync(dir) ? readdirSync(dir).filter((name) => !name.startsWith(".")) : [];
}

test("rotate refuses an unknown agent with exit 2 and the command that creates one; no agent or token is written", async () => {
  const home = tempDir();
  const added = await runPatchbay(["token", "add", "alice@team"], { home });
  expect(added.code).toBe(0);
  const tokensBefore = records(home, "token");
  const agentsBefore = records(home, "agent");
  expect(tokensBefore).toHaveLength(1);

  const refused = await runPatchbay(["token", "rotate", "alicee@team"], { home });
  expect(refused.code).toBe(2);
  expect(refused.stdout).not.toMatch(/pbt_/);
  expect(refused.stderr).toContain("patchbay token add alicee@team");
  expect(records(home, "token")).toEqual(tokensBefore);
  expect(records(home, "agent")).toEqual(agentsBefore);
  const listed = await runPatchbay(["token", "list", "--json"], { home });
  expect((JSON.parse(listed.stdout) as Array<{ agent: string }>).map((token) => token.agent)).toEqual(["alice@team"]);

  // An agent that exists still rotates: its old token goes, one new token is printed.
  const rotated = await runPatchbay(["token", "rotate", "alice@team", "--json"], { home });
  expect(rotated.code).toBe(0);
  expect(JSON.parse(rotated.stdout)).toMatchObject({ agent: "alice@team", revoked: [{ agent: "alice@team" }] });
  expect(records(home, "token")).toHaveLength(1);
  expect(records(home, "token")).not.toEqual(tokensBefore);
});

test("add with two different namespaces (NAME@NS and --namespace) or a bad --namespace refuses with exit 2 and creates nothing", async () => {
  const home = tempDir();
  const clash = await runPatchbay(["token", "add", "x@ns", "--namespace", "other"], { home });
  expect(clash.code).toBe(2);
  expect(clash.stderr).toContain("x@ns is in namespace ns, but --namespace says other");
  const badNamespace = await runPatchbay(["token", "add", "x", "--namespace", "bad ns"], { home });
  expect(badNamespace.code).toBe(2);
  expect(badNamespace.stderr).toContain('namespace "bad ns" is not valid');
  expect(records(home, "token")).toEqual([]);
  expect(records(home, "agent")).toEqual([]);
  // The same namespace said twice is no contradiction.
  expect((await runPatchbay(["token", "add", "x@ns", "--namespace", "ns"], { home })).code).toBe(0);
});
