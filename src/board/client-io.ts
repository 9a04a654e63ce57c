/**
 * How the board page talks to its server: actions (`/board/action`) and detail reads
 * (`/board/detail`) with the page's CSRF token, both under the page's own path (`at`, which keeps
 * a proxy's path prefix: `/team-a/board/action`); the notice line that shows their outcome (a
 * tool's refusal as the tool worded it), and the latest state the event stream delivered.
 * Destructive actions ask first. Shipped as its own source text like `boardClient` (client.ts),
 * so it may use only DOM globals and types, and keeps to ES2017.
 */

import type { Fields } from "./client-dom.ts";

export function boardIo() {
  var csrf = document.body.getAttribute("data-csrf") || "";
  // The page is the board's root (`/board`, or `/team-a/board` through a proxy); its routes sit under it.
  // One slash at the start, always: `//host/...` would name another server.
  var base = location.pathname.replace(/\/{2,}/g, "/").replace(/\/+$/, "");
  var at = (route: string): string => `${base}/${route}`;
  var notice = document.getElementById("notice") as HTMLElement;
  /** The latest state from the stream, and how to show a view (set by the page's wiring). */
  var board = { state: null as Fields | null, select: (_view: string): void => undefined };

  function say(text: string, isError?: boolean): void {
    notice.textContent = text;
    notice.className = isError ? "notice error" : "notice";
  }

  /** Runs an action; whether the tool did it. */
  async function post(action: Fields, confirmText?: string): Promise<boolean> {
    if (confirmText && !window.confirm(confirmText)) return false;
    say("Working\u2026");
    var response = await fetch(at("action"), {
      method: "POST",
      headers: { "content-type": "application/json", "x-patchbay-csrf": csrf },
      body: JSON.stringify(action),
    });
    var answer = (await response.json().catch(() => ({ ok: false, error: `the server answered ${response.status}` }))) as Fields;
    if (answer.ok) say(answer.text || "Done.");
    else say(answer.error || "Refused.", true);
    return answer.ok === true;
  }

  async function read(query: string): Promise<Fields> {
    var response = await fetch(at(`detail?${query}`), { headers: { "x-patchbay-csrf": csrf } });
    return (await response.json().catch(() => ({ ok: false, error: `the server answered ${response.status}` }))) as Fields;
  }

  function integrate(name: string, repo: string): Promise<boolean> {
    return post({ action: "integrate", id: name, repo: repo }, `Integrate ${name}'s changes into the base checkout?`);
  }

  /** A run may still be cancelled until it is applied or cancelled (the tool refuses the rest in its own words). */
  function cancellable(run: Fields): boolean {
    return run.state !== "applied" && run.state !== "cancelled";
  }

  function cancelRun(run: Fields): Promise<boolean> {
    return post({ action: "cancel_run", id: run.run_id, repo: run.repo }, `Cancel run ${run.run_id}? A running phase is stopped; this cannot be undone.`);
  }

  function approve(runId: string, repo: string): Promise<boolean> {
    return post({ action: "approve", id: runId, repo: repo }, `Approve the plan of ${runId}? Its writer may then run.`);
  }

  function cancelJob(jobId: string): Promise<boolean> {
    return post({ action: "cancel_job", id: jobId }, `Cancel job ${jobId}?`);
  }

  function liftBan(item: Fields): Promise<boolean> {
    return post({ action: "lift_ban", id: item.id }, `Lift the ban of ${item.title.split(":")[0]}? Its agent may call again at once.`);
  }

  return { board, at, say, post, read, integrate, cancellable, cancelRun, approve, cancelJob, liftBan };
}

export type BoardIo = ReturnType<typeof boardIo>;
