/**
 * Red team, issue #20 on one server (state.driver "fs", the default: events in memory): a
 * malformed Last-Event-ID (huge, not an id of this session, another session's) is answered at
 * once, with 410 or the call's own answer, never a 500, a hang or another session's events.
 */
import { afterAll, expect, test } from "bun:test";
import { within } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, startTestServer, type TestServer } from "../support/patchbay.ts";
import { openSession, readCall, resumeFrom } from "./raw-session.ts";

let server: TestServer | undefined;
afterAll(async () => {
  await server?.stop();
  removeTempDirs();
});

test("malformed Last-Event-IDs get 410, or this session's own answer for its own stream, at once", async () => {
  server = await startTestServer({ args: ["--root", makeGitRepo({ "a.txt": "a\n" })] });
  const { url } = server;
  const session = await openSession(url, "");
  const other = await openSession(url, "");
  const theirs = (await readCall(url, other, "", 7)).eventId!;
  const mine = (await readCall(url, session, "", 2)).eventId!;
  const stream = mine.slice(0, mine.lastIndexOf(":"));
  const cases: Array<[string, number]> = [
    [theirs, 410],
    [`${"a".repeat(7000)}:1`, 410],
    ["::", 410],
    [`${theirs.slice(0, theirs.lastIndexOf(":"))}:${"9".repeat(40)}`, 410],
    [`${stream}:${"9".repeat(40)}`, 200],
    [`${stream}:abc`, 200],
    [`${stream}:-1`, 200],
  ];
  for (const [lastEventId, status] of cases) {
    const answer = await within(10_000, resumeFrom(url, session, "", lastEventId));
    const text = await answer.text();
    const seen = { lastEventId: lastEventId.slice(0, 60), status: answer.status, theirs: text.includes('"id":7'), own: /"id":2\}$/m.test(text) };
    expect(seen).toEqual({ lastEventId: lastEventId.slice(0, 60), status, theirs: false, own: status === 200 });
  }
  expect(server.process.exitCode).toBeNull();
}, 60_000);
