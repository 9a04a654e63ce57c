/**
 * A Node host (libuv gives its child a socket pair) that runs argv[3..]. With argv[2] "gated" it
 * holds the child's stdout unread until it gets SIGUSR2 ("open": it reads from the start): unlike a Bun host, which reads a child's output into its
 * own memory whether or not anyone asked, a paused Node stream stops reading, so the child's
 * writes really meet a full socket. Forwards its stdin to the child, and exits with its code.
 */
import { spawn } from "node:child_process";

const [gate, command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: ["pipe", "pipe", "inherit"] });
if (gate === "gated") {
  child.stdout.pause();
  process.on("SIGUSR2", () => child.stdout.pipe(process.stdout));
} else child.stdout.pipe(process.stdout);
process.stdin.pipe(child.stdin);
child.on("exit", (code) => process.stdout.write("", () => process.exit(code ?? 1)));
