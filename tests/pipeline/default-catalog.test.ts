import { afterAll, describe, expect, test } from "bun:test";
import { PIPELINE_TOOLS } from "../../src/pipeline/tools/index.ts";
import { connectHttp, connectStdio, type TestClient } from "../support/clients.ts";
import { until } from "../support/until.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, runPatchbay, startTestServer, tempDir } from "../support/patchbay.ts";
import { mockToml, pipelineRepo } from "./helpers.ts";

/** The pipeline's tools as declared: the original design's 17 under patchbay's names, and patchbay_cancel. */
const PIPELINE = PIPELINE_TOOLS.map((tool) => tool.name).sort();
/** Tools that choose what runs (the exec capability): listed only where the operator gave that power (docs/security.md). */
const NEEDS_EXEC = PIPELINE_TOOLS.filter((tool) => tool.capability === "exec").map((tool) => tool.name);
/** What a session without power tools lists. */
const LISTED = PIPELINE.filter((name) => !NEEDS_EXEC.includes(name));

const homes: string[] = [];
afterAll(async () => {
  // Each home's background server, which the first `patchbay stdio` started.
  await Promise.all(homes.map((home) => runPatchbay(["stop"], { home }).catch(() => {})));
  removeTempDirs();
});

function home(): string {
  const dir = tempDir("patchbay-catalog-home-");
  homes.push(dir);
  return dir;
}

async function withClient<T>(client: TestClient, use: (client: TestClient) => Promise<T>): Promise<T> {
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

const pipelineNames = async (client: TestClient) => (await client.listToolNames()).filter((name) => /^(patchbay|ai_flow)_/.test(name));

describe("the default catalog follows the repository: pipeline tools where .ai/patchbay.toml is", () => {
  test("`patchbay stdio --root REPO` as mcp install registers it lists the patchbay_* tools, and they work", async () => {
    expect(PIPELINE).toHaveLength(18);
    expect(NEEDS_EXEC).toHaveLength(3);
    const repo = pipelineRepo(mockToml());
    const shared = home();
    await withClient(await connectStdio("v1", { home: shared, args: ["--root", repo] }), async (client) => {
      expect(await pipelineNames(client)).toEqual(LISTED);
      const names = await client.listToolNames();
      expect(names).toContain("codex_worker_start"); // still the worker catalog, plus the pipeline
      const planned = await client.callTool("patchbay_plan", { task: "from the default catalog", mock: true });
      expect(planned.isError).toBeFalsy();
      const run = planned.structuredContent as { run_id: string; state: string };
      expect(run.state).toBe("planned");
      // The original names answer too, unlisted: prompts written for ai-flow keep working.
      const status = await client.callTool("ai_flow_status", { run_id: run.run_id });
      expect(status.isError).toBeFalsy();
      expect(status.structuredContent).toMatchObject({ run_id: run.run_id, state: "planned", next: "approve" });
      // Choosing a mode is exact: worker chosen is worker without the pipeline, announced as a list change.
      const before = client.listChanges();
      await client.callTool("codex_tool_mode_switch", { mode: "worker" });
      await until(() => client.listChanges() > before, "tools/list_changed");
      expect(await pipelineNames(client)).toEqual([]);
      const refused = await client.callTool("patchbay_status", { run_id: run.run_id });
      expect(refused.isError).toBe(true);
      expect(refused._meta?.["patchbay/error"]).toMatchObject({ code: "tool_not_in_mode" });
    });
    // With power tools on, the three that choose a program are listed too: all 18.
    await withClient(await connectStdio("v1", { home: shared, args: ["--root", repo, "--power", "full"] }), async (client) => {
      expect(await pipelineNames(client)).toEqual(PIPELINE);
    });
    // The same server, a repository without a pipeline config: nothing added.
    const plain = makeGitRepo({ "README.md": "x\n" });
    await withClient(await connectStdio("v1", { home: shared, args: ["--root", plain] }), async (client) => {
      expect(await pipelineNames(client)).toEqual([]);
      expect(await client.listToolNames()).toContain("codex_worker_start");
    });
  });

  test("an explicit --tool-mode wins exactly: minimal and worker list no pipeline tool", async () => {
    const repo = pipelineRepo(mockToml());
    const shared = home();
    for (const mode of ["minimal", "worker"])
      await withClient(await connectStdio("v1", { home: shared, args: ["--root", repo, "--tool-mode", mode] }), async (client) => {
        expect(await pipelineNames(client), mode).toEqual([]);
      });
  });

  test("app.tool_mode set in config.toml is a choice too; standalone sessions follow the same rule", async () => {
    const repo = pipelineRepo(mockToml());
    const chosen = home();
    await Bun.write(`${chosen}/config.toml`, '[app]\ntool_mode = "worker"\n');
    await withClient(await connectStdio("v2-legacy", { home: chosen, args: ["--standalone", "--root", repo] }), async (client) => {
      expect(await pipelineNames(client)).toEqual([]);
    });
    await withClient(await connectStdio("v2-legacy", { home: home(), args: ["--standalone", "--root", repo] }), async (client) => {
      expect(await pipelineNames(client)).toEqual(LISTED);
    });
  });

  test("HTTP sessions of a server whose only root has a pipeline config", async () => {
    const repo = pipelineRepo(mockToml());
    const server = await startTestServer({ args: ["--root", repo] });
    try {
      await withClient(await connectHttp("v2-modern", server.url), async (client) => {
        expect(await pipelineNames(client)).toEqual(LISTED);
      });
    } finally {
      await server.stop();
    }
  });
});
