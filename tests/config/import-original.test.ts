import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { connectStdio } from "../support/clients.ts";
import { patchbayEnv, removeTempDirs, repoRoot, runPatchbay, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

/** The original PatchBay's checked-in config.yaml (its full-power profile), abridged to one key per kind of rule. */
const ORIGINAL = `server:
  host: 127.0.0.1
  port: 8123
  max_concurrent_jobs: 3
  queue_enabled: true
  job_timeout_seconds: 0  # 0 disables the turn timeout
  codex_session_start_timeout_seconds: 180
app:
  widget_domain: https://web-sandbox.oaiusercontent.com
  tool_mode: full
auth:
  enabled: false
  token_env: PATCHBAY_HTTP_TOKEN
  query_token_names: [patchbay_token, token]
  tunnel_mode: none
tunnel:
  hostname: ""
  timeout_seconds: 45
repositories:
  projects_base: /
  default: /
  allowed:
    - /
security:
  default_sandbox: danger-full-access
  allow_dangerously_bypass: true
  context_dir: .ai-bridge
  max_read_bytes: 200000
  blocked_globs: []
power_tools:
  direct_write: true
  bash_mode: "off"
  codex_home: "~/.codex"
artifacts:
  max_file_count: 50
logging:
  level: WARNING
  audit_file:
`;

function box() {
  const root = tempDir("pb-import-");
  const home = join(root, "home");
  const yaml = join(root, "config.yaml");
  writeFileSync(yaml, ORIGINAL);
  return { root, home, yaml, target: join(home, "config.toml") };
}

describe("patchbay settings import: the original's config.yaml", () => {
  test("a key without an equivalent is refused by name and nothing is written; --drop leaves it out; --dry-run writes nothing", async () => {
    const b = box();
    const refused = await runPatchbay(["settings", "import", b.yaml], { home: b.home });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("server.job_timeout_seconds = 0: no equivalent");
    expect(existsSync(b.target)).toBe(false);

    const dry = await runPatchbay(["settings", "import", b.yaml, "--drop", "server.job_timeout_seconds", "--dry-run"], { home: b.home });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('tool_mode = "full"');
    expect(dry.stdout).toContain("server.queue_enabled: patchbay always queues jobs");
    expect(existsSync(b.target)).toBe(false);

    const hostname = join(b.root, "named.yaml");
    writeFileSync(hostname, ORIGINAL.replace('hostname: ""', "hostname: pb.example.com").replace("job_timeout_seconds: 0", "job_timeout_seconds: 600"));
    const named = await runPatchbay(["settings", "import", hostname], { home: b.home });
    expect(named.code).toBe(2);
    expect(named.stderr).toContain('tunnel.hostname = "pb.example.com": no equivalent (pass --hostname to `patchbay start`)');
    expect(existsSync(b.target)).toBe(false);
  });

  test("the import writes a config.toml that patchbay then runs with; an existing one is kept without --force", async () => {
    const b = box();
    const imported = await runPatchbay(["settings", "import", b.yaml, "--drop", "server.job_timeout_seconds", "--json"], { home: b.home });
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout).written).toBe(true);
    const settings = JSON.parse((await runPatchbay(["settings", "show", "--json"], { home: b.home })).stdout).settings;
    expect(settings.server.port).toBe(8123);
    expect(settings.server.max_concurrent_jobs).toBe(3);
    expect(settings.app.tool_mode).toBe("full");
    expect(settings.tunnel_mode).toBe("none");
    expect(settings.repositories.allowed).toEqual(["/"]);
    expect(settings.repositories.blocked_globs).toEqual([]);
    expect(settings.security.default_sandbox).toBe("danger-full-access");
    expect(settings.power_tools.direct_write).toBe(true);
    expect(settings.workers.max_unpacked_files).toBe(50);
    expect(settings.logging.level).toBe("warn");

    const before = readFileSync(b.target, "utf8");
    const again = await runPatchbay(["settings", "import", b.yaml, "--drop", "server.job_timeout_seconds"], { home: b.home });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("--force");
    expect(readFileSync(b.target, "utf8")).toBe(before);
  });

  test("stdio --config takes the original's YAML (and start --config our TOML): the session gets its mode and power tools", async () => {
    const b = box();
    const yaml = join(b.root, "runnable.yaml");
    writeFileSync(yaml, ORIGINAL.replace("job_timeout_seconds: 0", "job_timeout_seconds: 600"));
    const client = await connectStdio("v1", { home: b.home, args: ["--standalone", "--config", yaml] });
    try {
      const names = await client.listToolNames();
      expect(names).toContain("codex_write_file"); // power_tools.direct_write from the YAML
      expect(names).toContain("read"); // a full-mode alias: app.tool_mode from the YAML
      expect(names).not.toContain("codex_run_command"); // bash_mode "off" from the YAML
    } finally {
      await client.close();
    }

    // A host entry written for the original's launcher: `patchbay-stdio --config config.yaml`.
    const original = new Client({ name: "original-host", version: "1.0.0" });
    await original.connect(
      new StdioClientTransport({
        command: join(repoRoot, "bin", "patchbay-stdio"),
        args: ["--standalone", "--config", yaml],
        env: patchbayEnv(join(b.root, "other-home")),
        stderr: "pipe",
      }),
    );
    try {
      expect((await original.listTools()).tools.map((tool) => tool.name)).toContain("codex_write_file");
    } finally {
      await original.close();
    }

    const toml = join(b.root, "other.toml");
    writeFileSync(toml, '[app]\ntool_mode = "minimal"\n');
    const guide = await runPatchbay(["start", "--print-only", "--json", "--config", toml], { home: b.home });
    expect(guide.code).toBe(0);
    expect(JSON.parse(guide.stdout).setup_guide.tool_mode).toBe("minimal");
    const missing = await runPatchbay(["start", "--print-only", "--config", join(b.root, "nope.toml")], { home: b.home });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no such file");
  });
});
