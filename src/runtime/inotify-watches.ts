/**
 * Which files and directories this process has an inotify watch on, from the kernel's own list
 * (`/proc/self/fdinfo/<fd>` of every inotify descriptor): Linux only. Bun's recursive `fs.watch`
 * adds a new directory's watch from a thread pool; this tells when it has.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

const readOrEmpty = (read: () => string) => {
  try {
    return read();
  } catch {
    return "";
  }
};

/**
 * A test of whether an entry (its `lstat`: device and inode) is watched now; every watch is read
 * once, when this is called.
 *
 * @example
 * const watched = inotifyWatched();
 * if (!watched(lstatSync("/work/repo/src"))) console.log("not yet watched");
 */
export function inotifyWatched(): (info: { dev: number; ino: number }) => boolean {
  const watched = new Set<string>();
  for (const fd of readdirSync("/proc/self/fd")) {
    if (!readOrEmpty(() => readlinkSync(`/proc/self/fd/${fd}`)).includes("inotify")) continue;
    const text = readOrEmpty(() => readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"));
    // "inotify wd:2 ino:24c1a7 sdev:fe00000 …", in hex; the kernel's device is major << 20 | minor.
    for (const match of text.matchAll(/^inotify wd:[0-9a-f]+ ino:([0-9a-f]+) sdev:([0-9a-f]+)/gm)) {
      const sdev = Number.parseInt(match[2] ?? "0", 16);
      watched.add(`${sdev >>> 20}:${sdev & 0xfffff}:${Number.parseInt(match[1] ?? "0", 16)}`);
    }
  }
  // node's st_dev is glibc's encoding: minor's low byte, major's 12 bits, then minor's upper bits.
  return ({ dev, ino }) => watched.has(`${(dev >>> 8) & 0xfff}:${(dev & 0xff) | ((dev >>> 12) & 0xfff00)}:${ino}`);
}
