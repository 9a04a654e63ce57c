import { expect, test } from "bun:test";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { configFile, patchbayHome, profileFile } from "../../src/config/index.ts";
import { failure } from "./helpers.ts";

test("patchbayHome is $PATCHBAY_HOME made absolute, else ~/.patchbay", () => {
  expect(patchbayHome({ PATCHBAY_HOME: "rel/home" })).toBe(resolve("rel/home"));
  expect(patchbayHome({ PATCHBAY_HOME: "/abs/home" })).toBe("/abs/home");
  expect(patchbayHome({})).toBe(join(homedir(), ".patchbay"));
  expect(patchbayHome({ PATCHBAY_HOME: "" })).toBe(join(homedir(), ".patchbay"));
});

test("config and profile files live under home", () => {
  expect(configFile("/h")).toBe("/h/config.toml");
  expect(profileFile("/h", "dev.v2_x-1")).toBe("/h/profiles/dev.v2_x-1.toml");
});

test("profile names must start with a letter or digit and stay within 64 allowed characters", async () => {
  for (const name of ["", "-x", ".x", "a/b", "a b", "x".repeat(65)]) {
    expect((await failure(() => profileFile("/h", name))).code).toBe("invalid_profile");
  }
  expect(profileFile("/h", "x".repeat(64))).toBe(`/h/profiles/${"x".repeat(64)}.toml`);
});
