/**
 * MCP logging over HTTP (issue #20): job events reach a session as notifications/message, the
 * level a session sets with logging/setLevel filters only its own log, and a secret in an event
 * arrives redacted. Through the compiled binary and the SDK's real HTTP client.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { until } from "../support/until.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, startTestServer, tempDir, type TestServer } from "../support/patchbay.ts";
import { mockPrompt } from "../jobs/support.ts";

const SECRET = "logsecret-4f9a2b7c1d8e";
let server: TestServer;

beforeAll(async () => {
  const home = tempDir();
  writeFileSync(join(home, "config.toml"), `[app]\ntool_mode = "full"\n`);
  // A secret-named variable of the server: its value is redacted wherever it shows up.
  server = await startTestServer({ home, args: ["--root", makeGitRepo({ "a.txt": "a\n" })], env: { PATCHBAY_TEST_API_TOKEN: SECRET } });
});
afterAll(async () => {
  await server?.stop();
  removeTempDirs();
});

interface LogLine {
  level: string;
  logger?: string;
  data: unknown;
}

async function connectLogging(): Promise<{ client: Client; lines: LogLine[] }> {
  const client = new Client({ name: "patchbay-logging-tests", version: "1.0.0" }, { capabilities: {} });
  const lines: LogLine[] = [];
  client.setNotificationHandler("notifications/message", (notification) => void lines.push(notification.params as LogLine));
  await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
  return { client, lines };
}

async function runJob(client: Client, plan: Record<string, unknown>): Promise<string> {
  const started = (await client.callTool({ name: "codex_plan_job", arguments: { spec: mockPrompt(plan), agent: "mock" } })) as {
    structuredContent: { job_id: string };
  };
  const jobId = started.structuredContent.job_id;
  await client.callTool({ name: "codex_get_result", arguments: { job_id: jobId, wait_seconds: 60 } }, { timeout: 60_000 });
  return jobId;
}

const about = (lines: LogLine[], jobId: string) => lines.filter((line) => String(line.data).includes(jobId));

test("logging/setLevel warning: a job's info events are not sent to that session, its failure (redacted) and a refused call are; a session at the default level gets the info", async () => {
  const quiet = await connectLogging();
  const chatty = await connectLogging();
  try {
    await quiet.client.setLoggingLevel("warning");
    const succeeded = await runJob(quiet.client, { message: "all good" });
    const failed = await runJob(quiet.client, { fail: `the deploy key ${SECRET} was refused` });

    const refused = (await quiet.client.callTool({ name: "codex_plan_job", arguments: { spec: "x", agent: "mock", repo_path: "/" } })) as { isError?: boolean };
    expect(refused.isError).toBe(true);

    await until(() => about(quiet.lines, failed).some((line) => line.level === "error"), "the failed job's error line", { timeoutMs: 10_000 });
    await until(() => quiet.lines.some((line) => line.level === "warning" && String(line.data).startsWith("codex_plan_job refused")), "the refusal's warning", {
      timeoutMs: 10_000,
    });
    await until(() => about(chatty.lines, succeeded).some((line) => String(line.data).endsWith("succeeded")), "the succeeded job's line", {
      timeoutMs: 10_000,
    });

    // The quiet session: nothing below warning, the failure at error, its secret replaced.
    expect(quiet.lines.filter((line) => line.level === "info")).toEqual([]);
    const failure = about(quiet.lines, failed).map((line) => String(line.data));
    expect(failure.some((text) => text.includes("the deploy key [redacted] was refused"))).toBe(true);
    expect(JSON.stringify(quiet.lines)).not.toContain(SECRET);
    // The other session's level is its own: it got the info events of the same jobs.
    expect(about(chatty.lines, succeeded).map((line) => [line.level, line.logger])).toContainEqual(["info", "jobs"]);
    expect(JSON.stringify(chatty.lines)).not.toContain(SECRET);
  } finally {
    await quiet.client.close();
    await chatty.client.close();
  }
}, 60_000);

test("2026-07-28 (no sessions): a call that names a log level gets the job's events while it runs; a call naming none gets none", async () => {
  const client = new Client({ name: "patchbay-logging-tests", version: "1.0.0" }, {
    capabilities: {},
    versionNegotiation: { mode: { pin: "2026-07-28" } },
  } as ConstructorParameters<typeof Client>[1]);
  const lines: LogLine[] = [];
  client.setNotificationHandler("notifications/message", (notification) => void lines.push(notification.params as LogLine));
  await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
  try {
    const waitFor = async (plan: Record<string, unknown>, meta: Record<string, unknown>) => {
      const started = (await client.callTool({ name: "codex_plan_job", arguments: { spec: mockPrompt(plan), agent: "mock" } })) as {
        structuredContent: { job_id: string };
      };
      const jobId = started.structuredContent.job_id;
      const params = { name: "codex_get_result", arguments: { job_id: jobId, wait_seconds: 60 }, _meta: meta };
      await client.callTool(params as Parameters<typeof client.callTool>[0], { timeout: 60_000 });
      return jobId;
    };
    const unheard = await waitFor({ sleep_ms: 500, message: "quiet" }, {});
    const heard = await waitFor({ sleep_ms: 500, message: "loud" }, { "io.modelcontextprotocol/logLevel": "info" });
    // The lines travel on the call's own stream, ahead of its result: they are here once it returned.
    expect(about(lines, heard).map((line) => [line.level, line.logger, String(line.data).endsWith("succeeded")])).toContainEqual(["info", "jobs", true]);
    expect(about(lines, unheard)).toEqual([]);
  } finally {
    await client.close();
  }
}, 60_000);
