/**
 * Red team, issue #20: what a caller who is not a session's owner can do with the team's shared
 * sessions, what a malformed Last-Event-ID does, and what the team leaves in Redis. One real
 * redis-server, two `patchbay start` servers with default settings (no operator token: the local
 * caller is "local"), agent X's session opened on A, attacked on B.
 */
import { afterAll, beforeEach, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { within } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, runPatchbay, startTestServer, tempDir, type TestServer } from "../support/patchbay.ts";
import { redisServerPath, startRedis } from "../support/redis.ts";
import { deleteSession, openSession as open, readCall as call, resumeFrom as resume } from "./raw-session.ts";

const redisPath = await redisServerPath();
if (!redisPath) throw new Error("redis-server is needed for these tests (apt-get install redis-server)");
const redis = await startRedis(redisPath);
const servers: TestServer[] = [];

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  await redis.stop();
  removeTempDirs();
});

beforeEach(async () => {
  await redis.command("FLUSHALL");
});

async function team(): Promise<[TestServer, TestServer]> {
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const homes = [0, 1].map(() => {
    const home = tempDir();
    writeFileSync(join(home, "config.toml"), `[state]\ndriver = "redis"\nredis_url = "${redis.url}"\n`);
    return home;
  });
  const started = await Promise.all(homes.map((home) => startTestServer({ home, args: ["--root", repo] })));
  servers.push(...started);
  return started as [TestServer, TestServer];
}

async function agentToken(home: string, agent: string): Promise<string> {
  const added = await runPatchbay(["token", "add", agent, "--json"], { home });
  if (added.code !== 0) throw new Error(`token add ${agent} failed: ${added.stderr}`);
  return (JSON.parse(added.stdout) as { token: string }).token;
}

/** Every key in Redis with its time to live (ms; -1 is none) and its whole content as text, through redis-cli. */
function redisContents(): Array<{ key: string; ttl: number; content: string }> {
  const cli = (...args: string[]) => execFileSync("redis-cli", ["-p", String(redis.port), "--raw", ...args], { encoding: "utf8" });
  const read: Record<string, (key: string) => string> = {
    string: (key) => cli("GET", key),
    stream: (key) => cli("XRANGE", key, "-", "+"),
    hash: (key) => cli("HGETALL", key),
    set: (key) => cli("SMEMBERS", key),
    zset: (key) => cli("ZRANGE", key, "0", "-1", "WITHSCORES"),
    list: (key) => cli("LRANGE", key, "0", "-1"),
  };
  return cli("--scan")
    .split("\n")
    .filter(Boolean)
    .map((key) => {
      const type = cli("TYPE", key).trim();
      return { key, ttl: Number(cli("PTTL", key).trim()), content: `${type}: ${read[type]?.(key) ?? "(unread type)"}` };
    });
}

test("another caller (the local one, another agent) cannot use, resume, replay or close agent X's session on B; X still can", async () => {
  const [a, b] = await team();
  const x = await agentToken(a.home, "x@team");
  const y = await agentToken(a.home, "y@team");
  const session = await open(a.url, x);
  const first = await call(a.url, session, x, 2);
  expect(first.text).toContain('"id":2');

  for (const other of ["", y]) {
    for (const server of [b, a]) {
      const replayed = await resume(server.url, session, other, first.eventId!);
      expect(replayed.status).toBe(404);
      expect(await replayed.text()).not.toContain('"id":2');
      const posted = await call(server.url, session, other, 3);
      expect(posted.status).toBe(404);
      expect(posted.text).not.toContain('"id":3');
      const deleted = await deleteSession(server.url, session, other);
      expect(deleted.status).toBe(404);
      await deleted.text();
    }
  }
  // The owner's session survived all of it, on both servers.
  const replayed = await resume(b.url, session, x, first.eventId!);
  expect(replayed.status).toBe(200);
  expect(await replayed.text()).toContain('"id":2');
  expect((await call(a.url, session, x, 4)).text).toContain('"id":4');
}, 60_000);

test("a malformed Last-Event-ID (huge, not an entry id, another session's) gets a clear answer at once, never a 500, and B keeps serving the session", async () => {
  const [a, b] = await team();
  const session = await open(a.url, "");
  const other = await open(a.url, "");
  const theirs = (await call(a.url, other, "", 7)).eventId!;
  const mine = (await call(a.url, session, "", 2)).eventId!;
  const stream = mine.slice(0, mine.lastIndexOf(":"));
  // No stream of this session: 410 Gone, the other session's events never shown.
  const unknown = [theirs, `${"a".repeat(7000)}:1-0`, `${"*".repeat(60)}:0-1`, "$:0", `${theirs.slice(0, theirs.lastIndexOf(":"))}:${"9".repeat(40)}-0`];
  // This session's stream at a place that is no entry: as for an expired event, the call's answer (resume-answers.ts).
  const ownStream = [`${stream}:${"9".repeat(40)}-0`, `${stream}:1-${"9".repeat(40)}`, `${stream}:abc`, `${stream}:1-0`, `${stream}:${"1-0".repeat(2000)}`];
  for (const server of [b, a]) {
    for (const lastEventId of unknown) {
      const answer = await within(10_000, resume(server.url, session, "", lastEventId));
      const text = await answer.text();
      expect({ lastEventId: lastEventId.slice(0, 80), status: answer.status, theirs: text.includes('"id":7') }).toEqual({
        lastEventId: lastEventId.slice(0, 80),
        status: 410,
        theirs: false,
      });
    }
    for (const lastEventId of ownStream) {
      const answer = await within(10_000, resume(server.url, session, "", lastEventId));
      const text = await answer.text();
      expect({ lastEventId: lastEventId.slice(0, 80), status: answer.status, answered: /^data: \{.*"id":2\}$/m.test(text) }).toEqual({
        lastEventId: lastEventId.slice(0, 80),
        status: 200,
        answered: true,
      });
    }
  }
  expect((await call(b.url, session, "", 3)).text).toContain('"id":3');
  expect(a.process.exitCode).toBeNull();
  expect(b.process.exitCode).toBeNull();
}, 60_000);

test("what the team keeps in Redis for sessions holds no token and expires: every session and resume key has a TTL", async () => {
  const [a, b] = await team();
  const x = await agentToken(a.home, "x@team");
  const session = await open(a.url, x);
  const { eventId } = await call(a.url, session, x, 2);
  expect((await resume(b.url, session, x, eventId!)).status).toBe(200);
  expect((await call(b.url, session, x, 3)).text).toContain('"id":3');

  const contents = redisContents();
  const sessionKeys = contents.filter(({ key }) => key.includes(session));
  // The session's record, its events and its calls' records, at least.
  expect(sessionKeys.length).toBeGreaterThanOrEqual(3);
  for (const { key, ttl } of sessionKeys) expect({ key, bounded: ttl > 0 }).toEqual({ key, bounded: true });
  for (const { key, content } of contents) expect({ key, holdsToken: content.includes(x) || key.includes(x) }).toEqual({ key, holdsToken: false });
}, 60_000);
