import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { homedir } from "node:os";
import { delimiter, isAbsolute, join } from "node:path";
import { killGroup, tunnelEnvironment } from "../agents/index.ts";
import { PatchbayError } from "../errors/index.ts";

export const TUNNEL_KINDS = ["cloudflare", "cloudflare-named", "ngrok", "custom"] as const;
export type TunnelKind = (typeof TUNNEL_KINDS)[number];

/** The origins ChatGPT's pages and connectors call from; allowed while a tunnel is up. */
export const CHATGPT_ORIGINS = ["https://chatgpt.com", "https://chat.openai.com"];

export interface TunnelOptions {
  kind: TunnelKind;
  /** Where patchbay listens, e.g. http://127.0.0.1:8000 (no path). */
  localUrl: string;
  /** cloudflared or ngrok executable (default: on PATH, then ~/.patchbay/bin). */
  binary?: string;
  /** cloudflare-named and ngrok: the stable public host name. */
  hostname?: string;
  /** cloudflare-named: the tunnel's name (credentials from cloudflared's own config). */
  tunnelName?: string;
  /** cloudflare-named: a file holding the tunnel token (else TUNNEL_TOKEN in the environment). */
  tokenFile?: string;
  /** custom: the public URL that reaches localUrl, and optionally the command that makes it. */
  publicUrl?: string;
  command?: string[];
  timeoutMs: number;
  patchbayHome: string;
  env?: NodeJS.ProcessEnv;
  /** auth.token_env: the tunnel gets the operator's variables, never this one or other patchbay secrets. */
  tokenEnv?: string;
}

export interface RunningTunnel {
  kind: TunnelKind;
  publicUrl: string;
  hostname: string;
  /** Resolves when the tunnel process ends by itself (not through `stop`). */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

const INSTALL_HINT: Record<string, string> = {
  cloudflared:
    "run `patchbay install-cloudflared` (it shows what it fetches; add --yes to install), " +
    "install cloudflared from Cloudflare's releases or your package manager " +
    "(https://developers.cloudflare.com/cloudflare-one/connections/connect-networks/downloads/), or pass --cloudflared PATH",
  ngrok: "install ngrok (https://ngrok.com/download) and run `ngrok config add-authtoken <token>`, or pass --ngrok PATH",
};

/** An executable named `name`: the given path, else PATH, else `$PATCHBAY_HOME/bin`. */
export function findExecutable(name: string, given: string | undefined, patchbayHome: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = given
    ? [given]
    : [
        ...(env.PATH ?? "")
          .split(delimiter)
          .filter(Boolean)
          .map((dir) => join(dir, name)),
        join(patchbayHome, "bin", name),
        join(homedir(), ".patchbay", "bin", name),
      ];
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return isAbsolute(file) || given !== undefined;
    } catch {
      return false;
    }
  });
}

function commandFor(options: TunnelOptions): { argv: string[]; ready: (output: string) => string | undefined } {
  const needHost = (flag: string) => {
    if (!options.hostname)
      throw new PatchbayError("invalid_flag", `--tunnel-mode ${options.kind} needs --hostname (the public host name that reaches this tunnel)`, {
        next: `pass --hostname ${flag}`,
      });
    return options.hostname;
  };
  const binary = (name: string) => {
    const found = findExecutable(name, options.binary, options.patchbayHome, options.env);
    if (!found)
      throw new PatchbayError("tunnel_binary_missing", `${name} was not found${options.binary ? ` at ${options.binary}` : " on PATH or in ~/.patchbay/bin"}`, {
        next: INSTALL_HINT[name],
      });
    return found;
  };
  switch (options.kind) {
    case "cloudflare":
      return {
        argv: [binary("cloudflared"), "tunnel", "--no-autoupdate", "--url", options.localUrl],
        ready: (out) => /https:\/\/[a-z0-9-]+\.trycloudflare\.com/.exec(out)?.[0],
      };
    case "cloudflare-named": {
      const host = needHost("pb.example.com");
      if (!options.tunnelName && !options.tokenFile && !(options.env ?? process.env).TUNNEL_TOKEN) {
        throw new PatchbayError(
          "invalid_flag",
          "--tunnel-mode cloudflare-named needs the tunnel: --tunnel-name NAME, --cloudflare-token-file FILE, or TUNNEL_TOKEN in the environment",
          { next: "create one with `cloudflared tunnel create patchbay` and route your host name to it" },
        );
      }
      const argv = [
        binary("cloudflared"),
        "tunnel",
        "--no-autoupdate",
        "run",
        "--url",
        options.localUrl,
        ...(options.tokenFile ? ["--token-file", options.tokenFile] : []),
        ...(options.tunnelName ? [options.tunnelName] : []),
      ];
      return { argv, ready: (out) => (/Registered tunnel connection/.test(out) ? `https://${host}` : undefined) };
    }
    case "ngrok": {
      const argv = [
        binary("ngrok"),
        "http",
        options.localUrl,
        "--log",
        "stdout",
        "--log-format",
        "logfmt",
        ...(options.hostname ? ["--url", `https://${options.hostname}`] : []),
      ];
      return { argv, ready: (out) => /url=(https:\/\/[^\s"]+)/.exec(out)?.[1] };
    }
    case "custom": {
      const url = options.publicUrl;
      if (!url || !URL.canParse(url) || new URL(url).protocol !== "https:") {
        throw new PatchbayError("invalid_flag", "--tunnel-mode custom needs --public-url https://… (the URL your own tunnel or proxy serves)", {
          next: "pass --public-url, and --tunnel-command if patchbay should start the tunnel",
        });
      }
      return { argv: options.command ?? [], ready: () => url.replace(/\/+$/, "") };
    }
  }
}

/**
 * Starts the tunnel as a child process and resolves once its public URL is known, or fails after
 * `timeoutMs` with the tunnel's last output. The child is stopped with `stop()`.
 *
 * @example
 * const tunnel = await startTunnel({ kind: "cloudflare", localUrl: "http://127.0.0.1:8000", timeoutMs: 45_000, patchbayHome });
 * tunnel.publicUrl; // "https://random-words.trycloudflare.com"
 */
export async function startTunnel(options: TunnelOptions): Promise<RunningTunnel> {
  const { argv, ready } = commandFor(options);
  if (argv.length === 0) {
    const url = ready("")!;
    return { kind: options.kind, publicUrl: url, hostname: new URL(url).hostname, exited: new Promise(() => {}), stop: async () => {} };
  }
  const child = spawn(argv[0]!, argv.slice(1), {
    env: tunnelEnvironment(options.tokenEnv ?? "PATCHBAY_HTTP_TOKEN", options.env ?? process.env),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let stopping = false;
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const stop = async () => {
    stopping = true;
    if (child.exitCode !== null || child.signalCode !== null) return;
    killGroup(child.pid!, "SIGTERM");
    const timer = setTimeout(() => killGroup(child.pid!, "SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };
  let output = "";
  try {
    const publicUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(tunnelError(`no public URL from ${argv[0]} within ${options.timeoutMs / 1000} s`, output)), options.timeoutMs);
      const read = (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-8192);
        const url = ready(output);
        if (url) {
          clearTimeout(timer);
          resolve(url);
        }
      };
      child.stdout!.on("data", read);
      child.stderr!.on("data", read);
      child.once("error", (error) => reject(tunnelError(`cannot start ${argv[0]}: ${error.message}`, output)));
      child.once("exit", (code) => {
        clearTimeout(timer);
        if (!stopping) reject(tunnelError(`${argv[0]} exited (code ${code}) before the tunnel was up`, output));
      });
    });
    return {
      kind: options.kind,
      publicUrl,
      hostname: new URL(publicUrl).hostname,
      exited: exited.then((code) => (stopping ? new Promise<never>(() => {}) : code)),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function tunnelError(message: string, output: string): PatchbayError {
  const tail = output.trim().split("\n").slice(-5).join("\n");
  return new PatchbayError("tunnel_failed", `${message}${tail ? `\n${tail}` : ""}`, {
    next: "check the tunnel's output above; raise --tunnel-timeout-seconds if it is only slow",
  });
}
