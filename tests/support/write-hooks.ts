/**
 * For crash tests' child processes: calls `beforeWrite` with the target of every storage write
 * before it happens (fs: the last path of a rename or an unlink; Redis: the first key of the
 * given commands, undefined for a MULTI's EXEC), so the child can SIGKILL itself at any of them.
 */
import { promises as fsp } from "node:fs";
import { Redis } from "ioredis";

export function beforeStorageWrites(beforeWrite: (target: unknown) => void, redis: { commands: Array<"set" | "unlink" | "del">; multi?: boolean }): void {
  for (const method of ["rename", "unlink"] as const) {
    const original = fsp[method] as (...args: unknown[]) => Promise<void>;
    (fsp as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      beforeWrite(args.at(-1));
      return original(...args);
    };
  }
  for (const method of redis.commands) {
    const original = Redis.prototype[method] as (...args: unknown[]) => unknown;
    (Redis.prototype as unknown as Record<string, unknown>)[method] = function (this: Redis, ...args: unknown[]) {
      beforeWrite(args[0]);
      return original.apply(this, args);
    };
  }
  if (!redis.multi) return;
  const multi = Redis.prototype.multi as (...args: unknown[]) => { exec: (...args: unknown[]) => unknown };
  (Redis.prototype as unknown as Record<string, unknown>).multi = function (this: Redis, ...args: unknown[]) {
    const pipeline = multi.apply(this, args);
    const exec = pipeline.exec.bind(pipeline);
    pipeline.exec = (...execArgs: unknown[]) => {
      beforeWrite(undefined);
      return exec(...execArgs);
    };
    return pipeline;
  };
}
