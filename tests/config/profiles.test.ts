import { afterAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type LaunchFlags, listProfiles, loadConfig, saveProfile } from "../../src/config/index.ts";
import { failure, removeTempDirs, tempDir, writeProfile } from "./helpers.ts";

afterAll(removeTempDirs);

describe("saveProfile", () => {
  test("writes the flags as TOML that loads back to the same settings", async () => {
    const home = join(tempDir(), "home");
    const root = realpathSync(tempDir());
    const file = await saveProfile(home, "review", { root, port: 9005, power: "full", bashMode: "safe" });
    expect(file).toBe(join(home, "profiles", "review.toml"));
    expect(readFileSync(file, "utf8")).toBe(
      [
        '# patchbay profile "review", saved from launch flags',
        "[server]",
        "port = 9005",
        "",
        "[power_tools]",
        "direct_write = true",
        'bash_mode = "safe"',
        "codex_session_read = true",
        "",
        "[repositories]",
        `default = "${root}"`,
        `allowed = [ "${root}" ]`,
        "",
      ].join("\n"),
    );
    const config = await loadConfig({ home, profile: "review" });
    expect(config.server.port).toBe(9005);
    expect(config.power_tools).toEqual({ direct_write: true, bash_mode: "safe", codex_session_read: true });
    expect(config.repositories).toMatchObject({ default: root, allowed: [root] });
  });

  test("the profile is private: file 0600 in a 0700 directory, no temp file left behind", async () => {
    const home = join(tempDir(), "home");
    await saveProfile(home, "dev", { port: 9001 });
    expect(statSync(join(home, "profiles", "dev.toml")).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, "profiles")).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(home, "profiles"))).toEqual(["dev.toml"]);
  });

  test("saving again replaces the profile", async () => {
    const home = tempDir();
    await saveProfile(home, "dev", { port: 9001, host: "0.0.0.0" });
    await saveProfile(home, "dev", { port: 9002 });
    const config = await loadConfig({ home, profile: "dev" });
    expect(config.server).toMatchObject({ port: 9002, host: "127.0.0.1" });
  });

  test("nothing but flag-derived keys is written, so a token passed along never lands on disk", async () => {
    const home = tempDir();
    const flags = { port: 9001, token: "s3cret-token", authToken: "s3cret-token" } as LaunchFlags;
    const text = readFileSync(await saveProfile(home, "dev", flags), "utf8");
    expect(text).not.toContain("s3cret");
  });

  test("--port 0 cannot be saved, because a profile must load with ports 1-65535", async () => {
    const home = tempDir();
    const error = await failure(() => saveProfile(home, "dev", { port: 0 }));
    expect(error.code).toBe("invalid_flag");
    expect(error.message).toBe("--port 0 picks a free port at each start, so it cannot be saved in a profile");
    expect(await listProfiles(home)).toEqual([]);
  });

  test("an invalid profile name is refused before anything is written", async () => {
    const home = tempDir();
    expect((await failure(() => saveProfile(home, ".hidden", {}))).code).toBe("invalid_profile");
    expect(readdirSync(home)).toEqual([]);
  });
});

describe("listProfiles", () => {
  test("lists saved profile names sorted, ignoring other files and unusable names", async () => {
    const home = tempDir();
    writeProfile(home, "zeta", "");
    writeProfile(home, "alpha", "");
    writeProfile(home, ".hidden", "");
    writeFileSync(join(home, "profiles", "notes.txt"), "");
    expect(await listProfiles(home)).toEqual(["alpha", "zeta"]);
  });

  test("is empty when no profile directory exists", async () => {
    expect(await listProfiles(tempDir())).toEqual([]);
  });
});
