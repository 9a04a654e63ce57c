/**
 * A Node host (libuv gives its child a socket pair) that runs argv[3..] and forwards its stdin to
 * the child and the child's stdout to its own. Unlike a Bun host, which reads a child's output
 * into its own memory whether or not anyone asked, a Node stream that is not read stops reading,
 * so the child's writes really meet a full socket. argv[2] is how the gate starts: "gated" (the
 * child's stdout unread) or "open"; each SIGUSR2 turns it, and says so on stderr
 * ("gate: open" / "gate: closed"). Exits with the child's code.
 */
import { spawn } from "node:child_process";

const [start, command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: ["pipe", "pipe", "inherit"] });
let open = false;
function turn(toOpen) {
  open = toOpen;
  if (open) child.stdout.pipe(process.stdout);
  else {
    child.stdout.unpipe(process.stdout);
    child.stdout.pause();
  }
}
turn(start === "open");
process.on("SIGUSR2", () => {
  turn(!open);
  process.stderr.write(`gate: ${open ? "open" : "closed"}\n`);
});
process.stdin.pipe(child.stdin);
// "close", not "exit": the child's stdout may be shared with a process it started (a `cat` behind
// bash's process substitution) that is still writing when the child itself has exited.
child.on("close", (code) => process.stdout.write("", () => process.exit(code ?? 1)));
