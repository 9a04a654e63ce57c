/**
 * runAcpWriter against the real `reasonix acp` (npm `reasonix`, 1.38.x), offline: reasonix's
 * provider points at a scripted OpenAI-compatible API on 127.0.0.1 (XDG_CONFIG_HOME/reasonix/config.toml,
 * `[[providers]] kind = "openai", base_url = ...`). Skipped, saying so, when reasonix is not installed.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { reasonixAcpArgs, runAcpWriter } from "../../src/agents/acp/index.ts";
import { findExecutable } from "../../src/agents/index.ts";
import { removeTempDirs, tempDir, workspaceGuard } from "./support.ts";

afterAll(removeTempDirs);

// The pinned reasonix from the agent CLIs' test package (npm test installs it), else one on PATH.
const pinnedBin = join(import.meta.dir, "..", "reasonix-cli", "node_modules", ".bin");
const reasonix = findExecutable("reasonix", `${pinnedBin}:${process.env.PATH ?? ""}`, process.cwd());
if (!reasonix) console.warn("acp-reasonix-e2e: SKIPPED, reasonix is not installed (npm install --no-package-lock --prefix tests/reasonix-cli)");

/** A chat-completions API that first asks for write_file(hello.txt), then answers "All done.". */
function fakeModelApi(): Promise<{ server: Server; url: string; requests: unknown[] }> {
  const requests: unknown[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const parsed = JSON.parse(body || "{}") as { messages?: unknown[]; tools?: Array<{ function?: { name?: string } }>; stream?: boolean };
      requests.push(parsed);
      const afterTool = JSON.stringify(parsed.messages ?? []).includes('"role":"tool"');
      const canWrite = (parsed.tools ?? []).some((tool) => tool.function?.name === "write_file");
      const call = {
        id: "call_1",
        type: "function",
        function: { name: "write_file", arguments: JSON.stringify({ path: "hello.txt", content: "hi from the fake model\n" }) },
      };
      const message = !afterTool && canWrite ? { role: "assistant", content: null, tool_calls: [call] } : { role: "assistant", content: "All done." };
      const finish = message.tool_calls ? "tool_calls" : "stop";
      const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
      if (!parsed.stream) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            id: "c",
            object: "chat.completion",
            created: 1,
            model: "fake-model",
            choices: [{ index: 0, message, finish_reason: finish }],
            usage,
          }),
        );
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream" });
      const delta = message.tool_calls ? { role: "assistant", tool_calls: [{ index: 0, ...call }] } : { role: "assistant", content: message.content };
      const chunk = (choice: unknown, extra = {}) =>
        `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "fake-model", choices: [choice], ...extra })}\n\n`;
      res.write(chunk({ index: 0, delta, finish_reason: null }));
      res.write(chunk({ index: 0, delta: {}, finish_reason: finish }, { usage }));
      res.end("data: [DONE]\n\n");
    });
  });
  return new Promise((done) =>
    server.listen(0, "127.0.0.1", () => done({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, requests })),
  );
}

describe.skipIf(!reasonix)("runAcpWriter with the real reasonix acp", () => {
  test("a writer turn against a scripted model on 127.0.0.1 edits the worktree and ends with end_turn", async () => {
    const api = await fakeModelApi();
    try {
      const root = tempDir("patchbay-reasonix-");
      const home = join(root, "home");
      const worktree = join(root, "wt");
      mkdirSync(join(home, ".config", "reasonix"), { recursive: true });
      mkdirSync(worktree, { recursive: true });
      writeFileSync(
        join(home, ".config", "reasonix", "config.toml"),
        `default_model = "fake"\n\n[[providers]]\nname        = "fake"\nkind        = "openai"\nbase_url    = "${api.url}"\nmodel       = "fake-model"\napi_key_env = "FAKE_API_KEY"\n`,
      );
      const transcriptPath = join(root, "run", "writer.reasonix.jsonl");
      const result = await runAcpWriter({
        executable: reasonix!,
        args: reasonixAcpArgs(),
        cwd: worktree,
        prompt: "Create hello.txt with a greeting.",
        env: { PATH: process.env.PATH ?? "", HOME: home, XDG_CONFIG_HOME: join(home, ".config"), FAKE_API_KEY: "sk-fake-0000000000000000" },
        timeoutMs: 60_000,
        idleTimeoutMs: 30_000,
        killGraceMs: 1000,
        transcriptPath,
        checkPath: workspaceGuard,
      });
      expect(result.error).toBeUndefined();
      expect(result.status).toBe("succeeded");
      expect(result.stopReason).toBe("end_turn");
      expect(result.finalMessage).toBe("All done.");
      expect(readFileSync(join(worktree, "hello.txt"), "utf8")).toBe("hi from the fake model\n");
      expect(api.requests.length).toBeGreaterThanOrEqual(2);
      // reasonix 1.38 writes inside its workspace without session/request_permission; recorded ones, if any, are kept.
      expect(Array.isArray(result.permissions)).toBe(true);
      expect(readFileSync(transcriptPath, "utf8")).toContain('"method":"session/prompt"');
    } finally {
      api.server.close();
    }
  }, 90_000);
});
