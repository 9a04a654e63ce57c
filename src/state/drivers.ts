/**
 * The storage driver chosen by name. Drivers are imported by a literal path (statically, or the
 * redis one on use): loading one by a computed name (unstorage's `builtinDrivers`) fails inside a
 * `bun build --compile` binary.
 */
import type { Driver } from "unstorage";
import { STATE_DRIVERS } from "../config/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { atomicFsDriver } from "./atomic-fs-driver.ts";
import { createRedisDriver } from "./redis.ts";

export { STATE_DRIVERS };

export type StateDriverName = (typeof STATE_DRIVERS)[number];

export interface StateDriverOptions {
  /** Directory for the fs driver and its lock files. */
  base: string;
  redisUrl?: string;
}

const factories: Record<StateDriverName, (options: StateDriverOptions) => Driver | Promise<Driver>> = {
  fs: ({ base }) => atomicFsDriver({ base }),
  redis: ({ redisUrl }) => createRedisDriver(redisUrl),
};

export async function createStateDriver(name: string, options: StateDriverOptions): Promise<Driver> {
  if (!Object.hasOwn(factories, name)) {
    throw new PatchbayError("invalid_state_driver", `state driver ${JSON.stringify(name)} is unknown`, {
      next: `use one of ${STATE_DRIVERS.join(", ")}`,
      details: { driver: name },
    });
  }
  return factories[name as StateDriverName](options);
}
