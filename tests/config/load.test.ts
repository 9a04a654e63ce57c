import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type Config, loadConfig } from "../../src/config/index.ts";
import { failure, removeTempDirs, tempDir, writeConfig, writeProfile } from "./helpers.ts";

afterAll(removeTempDirs);

const DEFAULTS: Config = {
  server: {
    host: "127.0.0.1",
    port: 8000,
    max_concurrent_jobs: 1,
    job_timeout_seconds: 1800,
    stale_running_job_grace_seconds: 5,
    job_worktree_retention_days: 7,
    max_request_bytes: 1048576,
    enable_cors: false,
    allowed_origins: [],
    public_hosts: [],
    session_idle_seconds: 1800,
    sse_poll_seconds: 30,
    resume_events: 1000,
    resume_seconds: 600,
    public_url: "",
  },
  app: { tool_mode: "worker", widget_domain: "https://web-sandbox.oaiusercontent.com" },
  auth: { enabled: false, token_env: "PATCHBAY_HTTP_TOKEN", allow_query_token: true, require_for_non_loopback: true, require_for_tunnel: true },
  tunnel_mode: "none",
  repositories: { default: "", allowed: [], blocked_globs: [".env*", "**/*.pem", "**/*.key", ".git/**", "**/id_rsa*"] },
  security: {
    require_git_repo: false,
    default_sandbox: "workspace-write",
    allow_dangerously_bypass: false,
    allowed_env_keys: [],
    denied_env_keys: ["PATCHBAY_*"],
    allowed_config_override_prefixes: [],
  },
  power_tools: { direct_write: false, bash_mode: "off", codex_session_read: false },
  logging: { level: "info", audit_file: "", job_logs_dir: "", job_state_dir: "", write_raw_job_logs: false, access_log: false },
  workers: {
    worktree_root: "",
    allow_private_downloads: false,
    max_download_bytes: 52428800,
    max_unpacked_bytes: 209715200,
    max_unpacked_files: 1000,
    max_inbox_bytes: 1073741824,
    models: {},
    integrate_requires_tests: false,
  },
  state: { driver: "fs", redis_url: "" },
  agents: {
    idle_timeout_seconds: 300,
    kill_grace_seconds: 5,
    commands: {},
    repository_settings: false,
    custom: {},
  },
  messaging: {
    rate_limit_per_minute: 100,
    rate_ban_seconds: 60,
    cleanup_max_age_days: 7,
    presence_window_seconds: 3600,
    max_attachment_bytes: 10485760,
    attachment_url_ttl_seconds: 600,
    relay_allow_private: false,
  },
  oauth: {
    enabled: true,
    access_token_seconds: 3600,
    allow_private_client_documents: false,
    max_clients: 1000,
    unused_client_seconds: 86400,
    registrations_per_minute: 10,
  },
  pricing: {},
  budgets: {
    hard: { run_usd: 0, run_tokens: 0, worker_usd: 0, worker_tokens: 0, repo_daily_usd: 0, repo_daily_tokens: 0, daily_usd: 0, daily_tokens: 0 },
    soft: { run_usd: 0, run_tokens: 0, worker_usd: 0, worker_tokens: 0, repo_daily_usd: 0, repo_daily_tokens: 0, daily_usd: 0, daily_tokens: 0 },
  },
};

describe("layering", () => {
  test("with no config file every key has its default", async () => {
    expect(await loadConfig({ home: tempDir() })).toEqual(DEFAULTS);
  });

  test("home defaults to $PATCHBAY_HOME from env", async () => {
    const home = tempDir();
    writeConfig(home, "[server]\nport = 9100\n");
    expect((await loadConfig({ env: { PATCHBAY_HOME: home } })).server.port).toBe(9100);
  });

  test("file values override defaults and keep the other defaults of the same table", async () => {
    const home = tempDir();
    writeConfig(home, 'tunnel_mode = "ngrok"\n[server]\nport = 9000\npublic_hosts = ["pb.example.com"]\n[app]\ntool_mode = "full"\n');
    const config = await loadConfig({ home });
    expect(config.tunnel_mode).toBe("ngrok");
    expect(config.server).toEqual({ ...DEFAULTS.server, port: 9000, public_hosts: ["pb.example.com"] });
    expect(config.app).toEqual({ ...DEFAULTS.app, tool_mode: "full" });
  });

  test("profile values override file values, and its lists replace the file's lists", async () => {
    const home = tempDir();
    writeConfig(home, '[server]\nport = 9000\nhost = "0.0.0.0"\n[repositories]\nblocked_globs = ["a", "b"]\n');
    writeProfile(home, "dev", '[server]\nport = 9001\n[repositories]\nblocked_globs = ["c"]\n');
    const config = await loadConfig({ home, profile: "dev" });
    expect(config.server.port).toBe(9001);
    expect(config.server.host).toBe("0.0.0.0");
    expect(config.repositories.blocked_globs).toEqual(["c"]);
  });

  test("flags override profile and file", async () => {
    const home = tempDir();
    writeConfig(home, '[server]\nport = 9000\n[app]\ntool_mode = "full"\n');
    writeProfile(home, "dev", "[server]\nport = 9001\n");
    const config = await loadConfig({ home, profile: "dev", flags: { port: 9002, host: "::1", toolMode: "minimal" } });
    expect(config.server.port).toBe(9002);
    expect(config.server.host).toBe("::1");
    expect(config.app.tool_mode).toBe("minimal");
  });

  test("--port 0 (any free port) is accepted from flags", async () => {
    expect((await loadConfig({ home: tempDir(), flags: { port: 0 } })).server.port).toBe(0);
  });

  test("--power full turns every power tool on", async () => {
    const config = await loadConfig({ home: tempDir(), flags: { power: "full" } });
    expect(config.power_tools).toEqual({ direct_write: true, bash_mode: "full", codex_session_read: true });
  });

  test("a single switch wins over --power full", async () => {
    const config = await loadConfig({ home: tempDir(), flags: { power: "full", bashMode: "safe", directWrite: false } });
    expect(config.power_tools).toEqual({ direct_write: false, bash_mode: "safe", codex_session_read: true });
  });

  test("--power safe undoes power tools a profile turned on", async () => {
    const home = tempDir();
    writeProfile(home, "power", '[power_tools]\ndirect_write = true\nbash_mode = "full"\ncodex_session_read = true\n');
    const config = await loadConfig({ home, profile: "power", flags: { power: "safe" } });
    expect(config.power_tools).toEqual(DEFAULTS.power_tools);
  });
});

describe("invalid files", () => {
  test("a bad port names the key, the expected range and the value", async () => {
    const home = tempDir();
    writeConfig(home, '[server]\nport = "abc"\n');
    const error = await failure(() => loadConfig({ home }));
    expect(error.code).toBe("config_invalid");
    expect(error.message).toStartWith(`${join(home, "config.toml")}: `);
    expect(error.message).toContain('server.port: expected 1-65535, got "abc"');
    expect(error.next).toBe(`fix the keys listed above in ${join(home, "config.toml")}`);
  });

  test("a port out of range is refused with the same message shape", async () => {
    const home = tempDir();
    writeConfig(home, "[server]\nport = 70000\n");
    expect((await failure(() => loadConfig({ home }))).message).toContain("server.port: expected 1-65535, got 70000");
  });

  test("each key is reported once, by the first rule it breaks", async () => {
    const home = tempDir();
    writeConfig(home, "[server]\nport = 0.5\nmax_concurrent_jobs = nan\n");
    expect((await failure(() => loadConfig({ home }))).message.split("\n").slice(1)).toEqual([
      "  server.port: expected 1-65535, got 0.5",
      "  server.max_concurrent_jobs: expected an integer >= 1, got NaN",
    ]);
  });

  test("a value outside a picklist lists the allowed values", async () => {
    const home = tempDir();
    writeConfig(home, '[app]\ntool_mode = "max"\n');
    expect((await failure(() => loadConfig({ home }))).message).toContain('app.tool_mode: expected one of minimal, worker, standard, full, got "max"');
  });

  test("unknown keys are errors that name the dotted key, every one of them", async () => {
    const home = tempDir();
    writeConfig(home, 'colour = 1\n[server]\nprot = 8000\nhots = "x"\n[sever]\nport = 1\n');
    const { message } = await failure(() => loadConfig({ home }));
    expect(message.split("\n").slice(1).sort()).toEqual([
      '  unknown key "colour"',
      '  unknown key "server.hots"',
      '  unknown key "server.prot"',
      '  unknown key "sever"',
    ]);
  });

  test("all problems are reported at once, one per line", async () => {
    const home = tempDir();
    writeConfig(home, '[server]\nport = "abc"\nenable_cors = "yes"\n[logging]\nlevel = "loud"\n');
    const error = await failure(() => loadConfig({ home }));
    expect(error.message).toBe(
      [
        `${join(home, "config.toml")}: invalid configuration`,
        '  server.port: expected 1-65535, got "abc"',
        '  server.enable_cors: expected true or false, got "yes"',
        '  logging.level: expected one of silent, error, warn, info, debug, got "loud"',
      ].join("\n"),
    );
  });

  test("a table given as a plain value is refused", async () => {
    const home = tempDir();
    writeConfig(home, "server = 5\n");
    expect((await failure(() => loadConfig({ home }))).message).toContain("server: expected a table, got 5");
  });

  test("list items are checked one by one", async () => {
    const home = tempDir();
    writeConfig(home, '[repositories]\nallowed = ["/ok", "relative/dir"]\n');
    expect((await failure(() => loadConfig({ home }))).message).toContain('repositories.allowed.1: expected an absolute path, got "relative/dir"');
  });

  test("a TOML syntax error names the file, line and column", async () => {
    const home = tempDir();
    writeConfig(home, "[server]\nport = 8000\nhost = \n");
    const error = await failure(() => loadConfig({ home }));
    expect(error.code).toBe("config_invalid");
    expect(error.message).toStartWith(`${join(home, "config.toml")}: invalid TOML at line 3, column 8: `);
    expect(error.next).toBe(`fix the TOML syntax at line 3 of ${join(home, "config.toml")}`);
    expect(error.details).toEqual({ file: join(home, "config.toml"), line: 3, column: 8 });
  });

  test("the redis driver without a redis_url is refused", async () => {
    const home = tempDir();
    writeConfig(home, '[state]\ndriver = "redis"\n');
    expect((await failure(() => loadConfig({ home }))).message).toContain(
      'state.redis_url: expected a redis:// or rediss:// URL when state.driver is "redis", got ""',
    );
  });

  test("the redis driver with a redis_url is accepted, even when the URL comes from the profile", async () => {
    const home = tempDir();
    writeConfig(home, '[state]\ndriver = "redis"\n');
    writeProfile(home, "shared", '[state]\nredis_url = "redis://localhost:6379/0"\n');
    expect((await loadConfig({ home, profile: "shared" })).state).toEqual({ driver: "redis", redis_url: "redis://localhost:6379/0" });
  });

  test("a problem in the profile blames the profile file, not config.toml", async () => {
    const home = tempDir();
    writeConfig(home, "[server]\nport = 9000\n");
    writeProfile(home, "dev", "[server]\nport = -1\n");
    const error = await failure(() => loadConfig({ home, profile: "dev" }));
    expect(error.message).toBe(`${join(home, "profiles", "dev.toml")}: invalid configuration\n  server.port: expected 1-65535, got -1`);
    expect(error.next).toBe(`fix the keys listed above in ${join(home, "profiles", "dev.toml")}`);
  });
});

describe("profiles", () => {
  test("a missing profile is refused with the names of the existing ones", async () => {
    const home = tempDir();
    writeProfile(home, "review", "");
    writeProfile(home, "dev", "");
    const error = await failure(() => loadConfig({ home, profile: "prod" }));
    expect(error.code).toBe("invalid_profile");
    expect(error.message).toBe(`profile "prod" does not exist in ${join(home, "profiles")}; existing profiles: dev, review`);
  });

  test("a missing profile with none saved says so", async () => {
    const home = tempDir();
    expect((await failure(() => loadConfig({ home, profile: "prod" }))).message).toEndWith("; no profiles are saved yet");
  });

  test("a profile name that could escape the profiles directory is refused", async () => {
    const error = await failure(() => loadConfig({ home: tempDir(), profile: "../config" }));
    expect(error.code).toBe("invalid_profile");
    expect(error.message).toBe('invalid profile name "../config": use 1-64 letters, digits, "_", "." or "-", starting with a letter or digit');
  });
});
