/**
 * Landing changes in the base checkout one source after another (a merge queue of one or more):
 * each is previewed again, with tests asked for it is applied in a scratch worktree on top of
 * the ones before it and tested there, and only then applied to the base checkout (and committed
 * when the operator asked). The first refusal, conflict or failing test stops the queue; what
 * landed stays. Call under the repository lock.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { EnvPolicy } from "../agents/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { git } from "../workspace/index.ts";
import type { WorktreePatch } from "../worktrees/index.ts";
import { applyPatch, type IntegrationPreview, type PreviewOptions, type RefusalCode, refusalError } from "./integrate.ts";
import { slugOf } from "./paths.ts";
import { openScratch, runIntegrationTests, type Scratch, type TestEvidence, type TestSettings } from "./test-gate.ts";

/** One source in the queue: a worker or an isolated job. */
export interface LandItem {
  /** How reports name it: the worker's name, `job job_…`. */
  name: string;
  preview(options: PreviewOptions): Promise<IntegrationPreview & { patch?: WorktreePatch }>;
  /** Next steps its refusals get where the workers' defaults do not fit. */
  next?: Partial<Record<RefusalCode, string>>;
  /** Records what landed (the worker's `integrated`). */
  landed?(result: LandedItem): Promise<void>;
}

export interface LandedItem {
  name: string;
  files: string[];
  skipped_files: string[];
  base_moved: boolean;
  patch_sha256: string;
  patch_bytes: number;
  tests?: TestEvidence;
  /** The commit made in the base checkout (commit asked for). */
  commit?: string;
}

export interface LandOptions {
  repo: string;
  allowDirtyBase: boolean;
  /** Land changes to agent configuration too (the caller holds the exec capability). */
  allowAgentConfig?: boolean;
  /** Test commands to pass first; undefined lands without testing. */
  tests?: TestSettings;
  /** Commit each landed source in the base checkout with this message (the source's name added when there are several). */
  commitMessage?: string;
  /** patchbay's home: scratch worktrees and test logs go under it. */
  home: string;
  worktreeRoot: string;
  policy: EnvPolicy;
  redact: (text: string) => string;
  signal?: AbortSignal;
}

export interface QueueResult {
  landed: LandedItem[];
  /** The source that stopped the queue, and why (the error integrate of it alone answers with). */
  stopped?: { name: string; error: PatchbayError };
  /** Sources after the one that stopped, not tried. */
  not_tried: string[];
}

/** The refusal of a source whose tests failed: the command, its exit, the end of its output. */
function testsFailed(name: string, evidence: TestEvidence & { failure?: { command: string; tail: string } }): PatchbayError {
  const failed = evidence.commands.at(-1)!;
  const how = failed.timed_out ? "timed out" : `exited ${failed.exit_code}`;
  return new PatchbayError("tests_not_passed", `${name}'s change fails the tests: \`${failed.command}\` ${how}\n${evidence.failure?.tail ?? ""}`, {
    next: `read the log (${evidence.log}), then message the worker to fix it; the base checkout was not changed`,
    details: {
      tests: { passed: false, commands: evidence.commands, log: evidence.log },
      failing_command: failed.command,
      log_tail: evidence.failure?.tail ?? "",
    },
  });
}

async function commitLanded(repo: string, files: string[], message: string): Promise<string> {
  await git(repo, ["add", "--", ...files]);
  await git(repo, ["commit", "--quiet", "--no-verify", "-m", message, "--", ...files]);
  return (await git(repo, ["rev-parse", "HEAD"])).stdout.trim();
}

/**
 * Lands `items` in order; see the file comment.
 *
 * @example
 * const { landed, stopped } = await landInOrder([itemOf(a), itemOf(b)], { repo, allowDirtyBase: false, tests, home, … });
 */
export async function landInOrder(items: LandItem[], options: LandOptions): Promise<QueueResult> {
  const result: QueueResult = { landed: [], not_tried: [] };
  const logs = join(options.home, "integrations", `${new Date().toISOString().replace(/[:.]/g, "-")}-${randomBytes(3).toString("hex")}`);
  let scratch: Scratch | undefined;
  try {
    if (options.tests) scratch = await openScratch(options.repo, options.worktreeRoot);
    for (const [index, item] of items.entries()) {
      options.signal?.throwIfAborted();
      // What earlier sources left uncommitted is this queue's own work, not a dirty base.
      const allowDirtyBase = options.allowDirtyBase || (result.landed.length > 0 && !options.commitMessage);
      const preview = await item.preview({ allowDirtyBase, allowAgentConfig: options.allowAgentConfig });
      const stop = (error: PatchbayError) => {
        result.stopped = { name: item.name, error };
        result.not_tried = items.slice(index + 1).map((rest) => rest.name);
        return result;
      };
      if (!preview.ready || !preview.patch) return stop(refusalError(preview, item.next));
      const patch = preview.patch;
      let tests: TestEvidence | undefined;
      if (scratch && options.tests) {
        const conflict = await scratch.apply(patch);
        if (conflict)
          return stop(
            new PatchbayError(
              "patch_conflict",
              `${item.name}'s change does not apply on top of the base and the sources before it: ${conflict.split("\n")[0]}`,
              {
                next: "integrate it on its own after the others land, or message the worker to rebase (codex_worker_message rebase=true)",
                details: { files: patch.files, conflict },
              },
            ),
          );
        const evidence = await runIntegrationTests(scratch.path, options.tests, {
          policy: options.policy,
          log: join(logs, `${index + 1}-${slugOf(item.name)}.log`),
          redact: options.redact,
          signal: options.signal,
        });
        if (!evidence.passed) return stop(testsFailed(item.name, evidence));
        tests = { passed: true, commands: evidence.commands, log: evidence.log };
      }
      await applyPatch(options.repo, patch);
      const message = options.commitMessage && (items.length > 1 ? `${options.commitMessage} (${item.name})` : options.commitMessage);
      const landed: LandedItem = {
        name: item.name,
        files: patch.files,
        skipped_files: preview.skipped_files,
        base_moved: preview.base_moved,
        patch_sha256: patch.sha256,
        patch_bytes: patch.bytes,
        ...(tests && { tests }),
        ...(message && { commit: await commitLanded(options.repo, patch.files, message) }),
      };
      result.landed.push(landed);
      await item.landed?.(landed);
    }
    return result;
  } finally {
    await scratch?.close();
  }
}
