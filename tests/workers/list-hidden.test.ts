/**
 * Issue #16, scale: a codex_worker_list that lists nothing says how many workers in scope its
 * filters left out, counted from the worker index (src/state/records.ts `findAndCount`), so a
 * history of stopped workers is not read to be counted. The count is the one the records give:
 * workers of another repository outside the session's roots are not in it; a stopped worker's
 * record damaged on disk no longer fails the empty list, which never needed to read it; and a
 * worker a crash left in the index without its record, mended by the list's lookup, is not
 * counted either (the list and the count share one reading of the index).
 */
import { afterAll, expect, test } from "bun:test";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs } from "../support/patchbay.ts";
import type { ToolHarness } from "../support/tools.ts";
import { workerHarnesses, workerRecord } from "./support.ts";

const harnesses = workerHarnesses();
afterAll(async () => {
  await harnesses.closeAll();
  removeTempDirs();
});

/** A stopped read-only worker of `repo`, stored as the worker tools store one. */
async function storeStopped(h: ToolHarness, repo: string, name: string): Promise<string> {
  const at = new Date().toISOString();
  const worker = workerRecord(repo, name, at, { stopped_at: at });
  await h.host.store.put("worker", worker.id, worker);
  return worker.id;
}

interface Listing {
  workers: unknown[];
  team_report: string;
}

test("an empty list counts the stopped workers in scope, none of another repository's, and reads none of their records", async () => {
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const elsewhere = makeGitRepo({ "b.txt": "b\n" });
  const h = await harnesses.open(repo);
  const ids = [await storeStopped(h, repo, "one"), await storeStopped(h, repo, "two"), await storeStopped(h, repo, "three")];
  await storeStopped(h, elsewhere, "outside");

  const hidden = "No workers match; 3 other(s) in scope (stopped or filtered out: include_stopped=true lists stopped ones).";
  expect(await h.ok<Listing>("codex_worker_list")).toMatchObject({ workers: [], team_report: hidden });
  expect((await h.ok<Listing>("codex_worker_list", { include_stopped: true })).workers).toHaveLength(3);

  // Each stopped worker's record file made unreadable: the empty list still answers, with the same count.
  const stateDir = join(h.host.home, "state");
  const damaged = readdirSync(stateDir, { recursive: true, encoding: "utf8" }).filter((path) => ids.some((id) => path.endsWith(id)));
  expect(damaged).toHaveLength(3);
  for (const path of damaged) writeFileSync(join(stateDir, path), "{ not json");
  expect(await h.ok<Listing>("codex_worker_list")).toMatchObject({ workers: [], team_report: hidden });
});

test("a running worker whose record a crash lost is neither listed nor counted, and the index forgets it", async () => {
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const h = await harnesses.open(repo);
  const at = new Date().toISOString();
  const lost = workerRecord(repo, "lost", at);
  await h.host.store.put("worker", lost.id, lost);
  expect((await h.ok<Listing>("codex_worker_list")).workers).toHaveLength(1);

  // The record gone, its index entry left (a crash between the two writes): the lookup reads the id, finds nothing, mends the index.
  const stateDir = join(h.host.home, "state");
  const [recordFile] = readdirSync(stateDir, { recursive: true, encoding: "utf8" }).filter((path) => path.endsWith(lost.id));
  rmSync(join(stateDir, recordFile!));
  const indexed = async () => Object.values((await h.host.store.index("worker"))?.repo ?? {}).flat();
  expect(await indexed()).toEqual([lost.id]);
  expect(await h.ok<Listing>("codex_worker_list")).toMatchObject({ workers: [], team_report: "No workers yet: start one with codex_worker_start." });
  expect(await indexed()).toEqual([]);
});
