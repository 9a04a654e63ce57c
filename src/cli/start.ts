import { type ArgsDef, defineCommand } from "citty";
import { createServer } from "node:net";
import { loadCheckedConfig } from "../agents/index.ts";
import { type Config, type LaunchFlags, patchbayHome, readConfigFile, saveProfile, toolModeChosen, useProfile } from "../config/index.ts";
import { CHATGPT_ORIGINS, repositoryRoot, type RunningTunnel, startTunnel, type TunnelKind, withRepositoryAround } from "../connect/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { log, setLogLevel } from "../log/index.ts";
import {
  assertExposureAllowed,
  controlRequest,
  httpToken,
  type OwnerRecord,
  readOwner,
  runningSettings,
  settingsConflicts,
  startServer,
  type StatusReport,
  stopServer,
  withRunningSettings,
} from "../server/index.ts";
import { VERSION } from "../version.ts";
import { splitWords } from "../workspace/index.ts";
import { integerFlag } from "./integer-flag.ts";
import { launchArgs, launchFlags } from "./launch-args.ts";
import { profileFor } from "./settings.ts";
import { printGuide, setupGuide } from "./setup-guide.ts";

function mcpUrl(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}/mcp`;
}

/** Flags for the tunnel `start` runs as a child (and `patchbay ngrok` / `patchbay stable` preset). */
export const tunnelArgs = {
  "tunnel-mode": {
    type: "enum",
    options: ["none", "cloudflare", "cloudflare-named", "ngrok", "custom", "stable"],
    description: "Start a public tunnel with the server (needs the HTTP token; stable = cloudflare-named)",
  },
  hostname: { type: "string", description: "cloudflare-named / ngrok: the public host name", valueHint: "HOST" },
  "tunnel-name": { type: "string", description: "cloudflare-named: the tunnel to run", valueHint: "NAME" },
  "cloudflare-token-file": { type: "string", description: "cloudflare-named: file with the tunnel token (else TUNNEL_TOKEN)", valueHint: "FILE" },
  cloudflared: { type: "string", description: "cloudflared executable (default: PATH, then ~/.patchbay/bin)", valueHint: "PATH" },
  ngrok: { type: "string", description: "ngrok executable (default: PATH)", valueHint: "PATH" },
  "public-url": { type: "string", description: "custom: the https URL your own tunnel or proxy serves", valueHint: "URL" },
  "tunnel-command": { type: "string", description: "custom: command that runs your tunnel ({port} and {url} are replaced; no shell)", valueHint: "CMD" },
  "tunnel-timeout-seconds": { type: "string", description: "Seconds to wait for the tunnel's public URL (default 45)", valueHint: "N" },
} as const satisfies ArgsDef;

/** A free loopback port, so the tunnel can be pointed at the server before it listens. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function tunnelKind(args: Record<string, unknown>, config: Config): TunnelKind | undefined {
  const mode = String(args["tunnel-mode"] ?? config.tunnel_mode);
  if (mode === "none") return undefined;
  return (mode === "stable" ? "cloudflare-named" : mode) as TunnelKind;
}

async function openTunnel(
  kind: TunnelKind,
  args: Record<string, unknown>,
  home: string,
  target: { host: string; port: number },
  tokenEnv: string,
  timeout: number,
): Promise<RunningTunnel> {
  const { host, port } = target;
  const localUrl = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const command =
    args["tunnel-command"] === undefined
      ? undefined
      : splitWords(String(args["tunnel-command"])).map((word) => word.replaceAll("{port}", String(port)).replaceAll("{url}", localUrl));
  log.info(`starting the ${kind} tunnel to ${localUrl}`);
  return startTunnel({
    kind,
    localUrl,
    binary: (kind === "ngrok" ? args.ngrok : args.cloudflared) as string | undefined,
    hostname: args.hostname as string | undefined,
    tunnelName: args["tunnel-name"] as string | undefined,
    tokenFile: args["cloudflare-token-file"] as string | undefined,
    publicUrl: args["public-url"] as string | undefined,
    command,
    timeoutMs: timeout * 1000,
    patchbayHome: home,
    tokenEnv,
  });
}

/**
 * The settings of the server a second start adds a port to. Launch flags (or a named profile)
 * asking for other ones are refused: that server would not apply them.
 */
async function runningServerSettings(owner: OwnerRecord, config: Config, flags: LaunchFlags, profileNamed: boolean, home: string) {
  const { data, socket } = await controlRequest(owner, { op: "status" });
  socket.destroy();
  const running = (data as StatusReport).settings;
  const conflicts = settingsConflicts(runningSettings(config), running, flags, profileNamed);
  if (conflicts.length > 0) {
    throw new PatchbayError(
      "state_owned",
      `a patchbay server (pid ${owner.pid}) already runs for ${home} with other settings, and a second start cannot change them: ${conflicts.join("; ")}`,
      {
        next: "stop it first (`patchbay stop`), then start again with these flags; or leave them out to add a port to the running server",
        details: { pid: owner.pid, conflicts },
      },
    );
  }
  return running;
}

export default defineCommand({
  meta: { name: "start", description: "Run the patchbay server in the foreground (one per PATCHBAY_HOME); a second start adds a port to the running one" },
  args: {
    ...launchArgs,
    host: { type: "string", description: "Address to listen on (default 127.0.0.1; anything else needs a token)", valueHint: "ADDR" },
    port: { type: "string", description: "Port to listen on (default 8000; 0 picks a free one)", valueHint: "PORT" },
    "save-profile": {
      type: "boolean",
      description: "Save these launch flags as the profile named by --profile (default: default), used from now on in this repository",
    },
    "no-profile": { type: "boolean", description: "Ignore the repository's profile (`patchbay settings use`)" },
    "print-only": { type: "boolean", description: "Print the connection guide and exit without starting" },
    json: { type: "boolean", description: "Print the connection guide as JSON (under setup_guide)" },
    "reveal-token": { type: "boolean", description: "Show the HTTP token (and the tokenized ChatGPT URL) instead of [redacted]" },
    http: { type: "boolean", default: true, description: "Serve HTTP (--no-http serves only local stdio sessions)" },
    foreground: {
      type: "boolean",
      description: "Take over a background server (one `stdio`, `mcp doctor`, `job` or `worker` started): stop it cleanly, then run here",
    },
    background: { type: "boolean", description: "Mark this server as started in the background (patchbay passes it when a command launches one)" },
    ...tunnelArgs,
  },
  async run({ args, rawArgs }) {
    const home = patchbayHome();
    const flags = launchFlags(args, rawArgs);
    // Checked before anything starts, tunnel or not, so a typo never waits for the tunnel to need it.
    const tunnelTimeout = integerFlag("tunnel-timeout-seconds", args["tunnel-timeout-seconds"], { min: 1, max: 600 }, 45);
    const root = repositoryRoot(args.root);
    const noProfile = rawArgs.includes("--no-profile");
    const named = typeof args.profile === "string" ? args.profile : undefined;
    let profile = await profileFor(home, root, named, noProfile);
    if (args["save-profile"]) {
      profile = named ?? "default";
      const file = await saveProfile(home, profile, flags);
      await useProfile(home, root, profile);
      log.success(`saved the launch flags to ${file}; ${root} uses profile ${profile}`);
    } else if (profile && !named) log.info(`using profile ${profile} (this repository's; --no-profile ignores it)`);
    const base = args.config === undefined ? undefined : await readConfigFile(String(args.config));
    const config = withRepositoryAround(await loadCheckedConfig({ home, profile, flags, base }));
    setLogLevel(config.logging.level);
    const token = httpToken(config);
    const { host } = config.server;
    const kind = tunnelKind(args, config);
    if (kind) config.tunnel_mode = kind;
    const reveal = Boolean(args["reveal-token"]);
    const print = (url: string, listening: boolean, tunnel?: RunningTunnel, shown: Config = config) => {
      const guide = setupGuide(shown, url, token, { revealToken: reveal, publicUrl: tunnel?.publicUrl, tunnelMode: kind ?? "none" });
      process.stdout.write(args.json ? `${JSON.stringify({ setup_guide: guide, listening }, null, 2)}\n` : `${printGuide(guide, listening)}\n`);
    };
    if (args["print-only"]) return void print(mcpUrl(host, config.server.port), false);
    if (args.http || kind) assertExposureAllowed(config, host, token); // fails closed: no token, no tunnel

    let owner = readOwner(home);
    if (args.foreground && owner?.kind === "server" && owner.background) {
      log.info(`stopping the background server (pid ${owner.pid}) to run in the foreground with the same state`);
      await stopServer(owner);
      owner = undefined;
    }
    if (owner?.kind === "server" && owner.control_port) {
      if (args.foreground)
        throw new PatchbayError("server_running", `a patchbay server (pid ${owner.pid}) already runs in the foreground for ${home}`, {
          next: "stop it first (`patchbay stop`), or leave out --foreground to add a port to it",
        });
      if (!args.http)
        throw new PatchbayError("server_running", `a patchbay server (pid ${owner.pid}) already runs for ${home}`, { next: "`patchbay status` shows it" });
      if (kind)
        throw new PatchbayError("server_running", `a patchbay server (pid ${owner.pid}) already runs for ${home}; a tunnel must start with the server`, {
          next: "`patchbay stop`, then start again with the tunnel flags",
        });
      const running = await runningServerSettings(owner, config, flags, named !== undefined, home);
      const { data } = await controlRequest(owner, { op: "listen", host, port: config.server.port });
      log.success(`added ${String(data)} to the running server (pid ${owner.pid}); it keeps its own tool mode, roots and power switches, shown below`);
      if (owner.background)
        log.info(`that server runs in the background (another command started it); \`patchbay start --foreground\` takes it over in this terminal`);
      return void print(String(data), true, undefined, withRunningSettings(config, running));
    }

    // The tunnel starts first, on a fixed port, so the server starts knowing the public host it must answer to.
    let tunnel: RunningTunnel | undefined;
    let port = config.server.port;
    if (kind) {
      if (!args.http) throw new PatchbayError("invalid_flag", "a tunnel needs HTTP; drop --no-http", { next: "remove --no-http" });
      if (port === 0) port = await freePort(host);
      tunnel = await openTunnel(kind, args, home, { host, port }, config.auth.token_env, tunnelTimeout);
      config.server.public_hosts = [...config.server.public_hosts, tunnel.hostname];
      config.server.public_url = tunnel.publicUrl; // every URL the server hands out goes through the tunnel
      config.server.allowed_origins = [...new Set([...config.server.allowed_origins, ...CHATGPT_ORIGINS])];
      log.success(`tunnel up: ${tunnel.publicUrl}`);
    }
    const server = await startServer({
      home,
      config,
      version: VERSION,
      http: args.http ? { host, port } : undefined,
      background: Boolean(args.background),
      modeIsDefault: !(await toolModeChosen({ home, profile, flags, base })),
    }).catch(async (error) => {
      await tunnel?.stop();
      throw error;
    });
    const stopOn = (signal: string) =>
      process.once(signal, () => {
        log.info(`${signal}: stopping`);
        void server.stop();
      });
    stopOn("SIGINT");
    stopOn("SIGTERM");
    // The terminal a foreground server runs in was closed: stop as cleanly, running turns included.
    stopOn("SIGHUP");
    void tunnel?.exited.then((code) => {
      log.error(`the ${kind} tunnel exited (code ${code}); stopping the server`);
      void server.stop();
    });
    if (args.http) print(server.host.endpoints()[0]!.url, true, tunnel);
    else log.info(`serving local sessions for ${home} (pid ${process.pid})`);
    await server.stopped;
    await tunnel?.stop();
    return 0;
  },
});
