/**
 * `patchbay install-cloudflared`: Cloudflare's own cloudflared release for this platform, from
 * the cloudflare/cloudflared GitHub releases (the only source), into `$PATCHBAY_HOME/bin`
 * (~/.patchbay/bin by default), where the tunnel modes look for it. It shows what it would
 * fetch and writes nothing without `--yes`.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { PatchbayError } from "../errors/index.ts";
import { writeFileAtomic } from "../runtime/index.ts";

export const CLOUDFLARED_RELEASES = "https://github.com/cloudflare/cloudflared/releases/latest/download/";

/** Release asset per `${process.platform}-${process.arch}`; macOS ships a .tgz holding `cloudflared`. */
const ASSETS: Record<string, string> = {
  "linux-x64": "cloudflared-linux-amd64",
  "linux-arm64": "cloudflared-linux-arm64",
  "linux-arm": "cloudflared-linux-arm",
  "linux-ia32": "cloudflared-linux-386",
  "darwin-x64": "cloudflared-darwin-amd64.tgz",
  "darwin-arm64": "cloudflared-darwin-arm64.tgz",
  "win32-x64": "cloudflared-windows-amd64.exe",
  "win32-ia32": "cloudflared-windows-386.exe",
};

export interface CloudflaredPlan {
  platform: string;
  arch: string;
  url: string;
  target: string;
  archive: boolean;
}

export function planCloudflared(options: { patchbayHome: string; platform?: string; arch?: string }): CloudflaredPlan {
  const platform = options.platform ?? process.platform;
  const arch = options.arch ?? process.arch;
  const asset = ASSETS[`${platform}-${arch}`];
  if (!asset) {
    throw new PatchbayError("unsupported_platform", `Cloudflare publishes no cloudflared release for ${platform}-${arch}`, {
      next: "install cloudflared with your package manager (https://developers.cloudflare.com/cloudflare-one/connections/connect-networks/downloads/) and pass --cloudflared PATH",
    });
  }
  return {
    platform,
    arch,
    url: `${CLOUDFLARED_RELEASES}${asset}`,
    target: join(options.patchbayHome, "bin", platform === "win32" ? "cloudflared.exe" : "cloudflared"),
    archive: asset.endsWith(".tgz"),
  };
}

/** The `cloudflared` file inside a release .tgz (ustar: 512-byte headers, size in octal). */
function fromTarball(tgz: Uint8Array): Uint8Array {
  const tar = gunzipSync(tgz);
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const name = tar
      .subarray(offset, offset + 100)
      .toString("utf8")
      .replace(/\0.*$/s, "");
    if (!name) break;
    const size = Number.parseInt(
      tar
        .subarray(offset + 124, offset + 136)
        .toString("utf8")
        .replace(/\0.*$/s, "")
        .trim() || "0",
      8,
    );
    const type = String.fromCharCode(tar[offset + 156] ?? 48);
    if ((type === "0" || type === "\0") && name.replace(/^\.\//, "") === "cloudflared") return tar.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  throw new PatchbayError("download_invalid", "the cloudflared archive holds no file named cloudflared", {
    next: "report this; install cloudflared with your package manager meanwhile",
  });
}

export interface InstallOptions {
  yes: boolean;
  patchbayHome: string;
  platform?: string;
  arch?: string;
  /** Tests only: a loopback URL to fetch instead of the release (anything else is refused). */
  downloadUrl?: string;
  fetch?: typeof fetch;
}

export interface InstallResult extends CloudflaredPlan {
  installed: boolean;
  bytes?: number;
}

/** Without `yes`, the plan only; with it, downloads, checks the size, and makes it executable. */
export async function installCloudflared(options: InstallOptions): Promise<InstallResult> {
  const plan = planCloudflared(options);
  if (options.downloadUrl !== undefined) {
    const override = new URL(options.downloadUrl);
    if (override.protocol !== "http:" || override.hostname !== "127.0.0.1")
      throw new PatchbayError("invalid_flag", `a download URL override must be http://127.0.0.1 (tests only), not ${options.downloadUrl}`);
    plan.url = override.href;
  }
  if (!options.yes) return { ...plan, installed: false };
  let body: Uint8Array;
  try {
    const response = await (options.fetch ?? fetch)(plan.url, { redirect: "follow", signal: AbortSignal.timeout(300_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
    body = new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    throw new PatchbayError("download_failed", `could not download ${plan.url}: ${(error as Error).message}`, {
      next: "check the network (and any proxy), then run again; nothing was written",
    });
  }
  const binary = plan.archive ? fromTarball(body) : body;
  if (binary.length === 0) throw new PatchbayError("download_invalid", `${plan.url} gave an empty file`, { next: "run again later; nothing was written" });
  await mkdir(join(plan.target, ".."), { recursive: true });
  await writeFileAtomic(plan.target, binary, { mode: 0o755 });
  return { ...plan, installed: true, bytes: binary.length };
}
