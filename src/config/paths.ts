import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { PatchbayError } from "../errors/index.ts";

export type Env = Record<string, string | undefined>;

const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * Where patchbay keeps its config and state: `$PATCHBAY_HOME` when set, else `~/.patchbay`.
 *
 * @example
 * patchbayHome({ PATCHBAY_HOME: "tmp/pb" }); // "/current/dir/tmp/pb"
 */
export function patchbayHome(env: Env = process.env): string {
  const home = env.PATCHBAY_HOME;
  return home ? resolve(home) : join(homedir(), ".patchbay");
}

export function configFile(home: string): string {
  return join(home, "config.toml");
}

export function profilesDir(home: string): string {
  return join(home, "profiles");
}

export function isProfileName(name: string): boolean {
  return PROFILE_NAME.test(name);
}

/** The profile's file; the name rule keeps names from escaping the profiles directory. */
export function profileFile(home: string, name: string): string {
  if (!isProfileName(name)) {
    throw new PatchbayError("invalid_profile", `invalid profile name "${name}": use 1-64 letters, digits, "_", "." or "-", starting with a letter or digit`, {
      next: "pick a name such as dev or review-1",
    });
  }
  return join(profilesDir(home), `${name}.toml`);
}
