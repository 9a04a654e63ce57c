/**
 * `patchbay install-cloudflared`, without the internet: the plan without --yes, an unsupported
 * platform, downloads that fail against a server on 127.0.0.1, and (still on 127.0.0.1) that
 * a good download becomes an executable, from a bare binary or from a macOS-style .tgz.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCommand } from "citty";
import installCommand from "../../src/cli/install-cloudflared.ts";
import { CLOUDFLARED_RELEASES, installCloudflared, planCloudflared } from "../../src/connect/cloudflared.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";

const noFetch = (() => {
  throw new Error("no download may happen here");
}) as unknown as typeof fetch;

let server: ReturnType<typeof Bun.serve>;
const binaryBytes = new TextEncoder().encode("#!/bin/sh\necho cloudflared version 2026.1.0\n");
let tgz: Uint8Array;

beforeAll(() => {
  const dir = tempDir("patchbay-cf-src-");
  writeFileSync(join(dir, "cloudflared"), binaryBytes);
  spawnSync("tar", ["-czf", join(dir, "cf.tgz"), "-C", dir, "cloudflared"]);
  tgz = new Uint8Array(readFileSync(join(dir, "cf.tgz")));
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      const path = new URL(request.url).pathname;
      if (path === "/empty") return new Response("");
      if (path === "/binary") return new Response(binaryBytes as Uint8Array<ArrayBuffer>);
      if (path === "/archive.tgz") return new Response(tgz as Uint8Array<ArrayBuffer>);
      return new Response("not here", { status: 404 });
    },
  });
});
afterAll(() => {
  server.stop(true);
  removeTempDirs();
});

const ASSETS_SUPPORTED = ["linux-x64", "linux-arm64"].includes(`${process.platform}-${process.arch}`);
const local = (path: string) => `http://127.0.0.1:${server.port}${path}`;

test("the plan names Cloudflare's release for the platform and ~/.patchbay/bin/cloudflared", () => {
  expect(planCloudflared({ patchbayHome: "/home/u/.patchbay", platform: "linux", arch: "x64" })).toEqual({
    platform: "linux",
    arch: "x64",
    url: "https://github.com/cloudflare/cloudflared/releases/latest/download/cloudflared-linux-amd64",
    target: "/home/u/.patchbay/bin/cloudflared",
    archive: false,
  });
  expect(planCloudflared({ patchbayHome: "/h", platform: "darwin", arch: "arm64" })).toMatchObject({
    url: `${CLOUDFLARED_RELEASES}cloudflared-darwin-arm64.tgz`,
    archive: true,
  });
  expect(planCloudflared({ patchbayHome: "/h", platform: "win32", arch: "x64" }).target).toBe("/h/bin/cloudflared.exe");
});

test("without --yes it only shows what it would fetch, and fetches nothing", async () => {
  const home = tempDir();
  const result = await installCloudflared({ yes: false, patchbayHome: home, platform: "linux", arch: "arm64", fetch: noFetch });
  expect(result).toMatchObject({ installed: false, url: `${CLOUDFLARED_RELEASES}cloudflared-linux-arm64`, target: join(home, "bin", "cloudflared") });
  expect(existsSync(join(home, "bin"))).toBe(false);
});

test("the command without --yes prints the URL and the target path and writes nothing", async () => {
  const home = tempDir();
  const previous = process.env.PATCHBAY_HOME;
  const write = process.stdout.write;
  let out = "";
  process.env.PATCHBAY_HOME = home;
  process.stdout.write = ((chunk: string) => ((out += chunk), true)) as typeof process.stdout.write;
  try {
    await runCommand(installCommand, { rawArgs: [] });
  } finally {
    process.stdout.write = write;
    if (previous === undefined) delete process.env.PATCHBAY_HOME;
    else process.env.PATCHBAY_HOME = previous;
  }
  if (ASSETS_SUPPORTED) expect(out).toContain(`would fetch: ${CLOUDFLARED_RELEASES}cloudflared-`);
  expect(out).toContain(`would install: ${join(home, "bin", "cloudflared")}`);
  expect(out).toContain("patchbay install-cloudflared --yes");
  expect(existsSync(join(home, "bin"))).toBe(false);
});

test("an unsupported platform is refused with what to do instead", async () => {
  await expect(installCloudflared({ yes: true, patchbayHome: tempDir(), platform: "aix", arch: "ppc64", fetch: noFetch })).rejects.toMatchObject({
    code: "unsupported_platform",
  });
});

test("a failed download (HTTP 404, an empty file, nothing listening) writes nothing", async () => {
  const home = tempDir();
  const base = { yes: true, patchbayHome: home, platform: "linux", arch: "x64" } as const;
  await expect(installCloudflared({ ...base, downloadUrl: local("/missing") })).rejects.toMatchObject({
    code: "download_failed",
    message: expect.stringContaining("HTTP 404"),
  });
  await expect(installCloudflared({ ...base, downloadUrl: local("/empty") })).rejects.toMatchObject({ code: "download_invalid" });
  await expect(installCloudflared({ ...base, downloadUrl: "http://127.0.0.1:9/cloudflared" })).rejects.toMatchObject({ code: "download_failed" });
  expect(existsSync(join(home, "bin", "cloudflared"))).toBe(false);
});

test("a URL override other than http://127.0.0.1 is refused", async () => {
  for (const url of ["https://example.com/cloudflared", "http://localhost:1/x", "http://10.0.0.1/x"]) {
    await expect(
      installCloudflared({ yes: true, patchbayHome: tempDir(), platform: "linux", arch: "x64", downloadUrl: url, fetch: noFetch }),
    ).rejects.toMatchObject({ code: "invalid_flag" });
  }
});

test("a good download (on 127.0.0.1) becomes an executable; a .tgz is unpacked", async () => {
  const home = tempDir();
  const bare = await installCloudflared({ yes: true, patchbayHome: home, platform: "linux", arch: "x64", downloadUrl: local("/binary") });
  expect(bare).toMatchObject({ installed: true, bytes: binaryBytes.length, target: join(home, "bin", "cloudflared") });
  expect(statSync(bare.target).mode & 0o111).toBe(0o111);
  expect(spawnSync(bare.target, ["--version"]).stdout.toString()).toContain("cloudflared version");
  const macHome = tempDir();
  mkdirSync(join(macHome, "bin"));
  const archived = await installCloudflared({ yes: true, patchbayHome: macHome, platform: "darwin", arch: "arm64", downloadUrl: local("/archive.tgz") });
  expect(new Uint8Array(readFileSync(archived.target))).toEqual(binaryBytes);
});
