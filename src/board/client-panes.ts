/**
 * The board page's detail pane: a worker (report, changed files, a file's diff, the integration
 * preview), a run (phases, PLAN.md, tests and review), a job, an agent's threads with a form to
 * send as it. The open pane follows each new state (`follow`), keeping its scroll positions,
 * focus, the diff opened and a message being written; a late answer for a pane since replaced is
 * dropped. Shipped as its own source text like `boardClient` (client.ts), so it may use only DOM
 * globals, what it is handed and types, and keeps to ES2017.
 */

import type { BoardDom, Child, Fields } from "./client-dom.ts";
import type { BoardIo } from "./client-io.ts";
import type { BoardRender } from "./client-render.ts";

export function boardPanes(dom: BoardDom, views: BoardRender, io: BoardIo) {
  var el = dom.el;
  var button = dom.button;
  var read = io.read;
  var detail = document.getElementById("detail") as HTMLElement;
  // The open pane: its title, how to draw it again, and the diff open in a worker's pane.
  var paneTitle = "";
  var paneLoad: (() => Promise<void>) | null = null;
  var paneFile = "";

  /** Marks `title`'s pane as the one open; `load` shows it again on each new state while it stays open. */
  function opening(title: string, load: () => Promise<void>): void {
    if (title !== paneTitle) paneFile = "";
    paneTitle = title;
    paneLoad = load;
  }

  /** What the operator would lose when the open pane is drawn again: its scroll positions and focus. */
  function paneScrolls(): () => void {
    var boxes = Array.prototype.slice.call(detail.querySelectorAll("pre, .diffbox, .plan")) as HTMLElement[];
    var tops = boxes.map((box) => box.scrollTop);
    var own = detail.scrollTop;
    var page = window.scrollY;
    var focused = document.activeElement && detail.contains(document.activeElement) ? document.activeElement.id : "";
    return () => {
      var again = Array.prototype.slice.call(detail.querySelectorAll("pre, .diffbox, .plan")) as HTMLElement[];
      again.forEach((box, index) => {
        box.scrollTop = tops[index] || 0;
      });
      detail.scrollTop = own;
      window.scrollTo(window.scrollX, page);
      if (focused) (document.getElementById(focused) as HTMLElement | null)?.focus({ preventScroll: true });
    };
  }

  function showPane(title: string, ...children: Child[]): void {
    // A late answer for a pane since closed over by another is dropped.
    if (title !== paneTitle) return;
    var shown = document.getElementById("detail-title");
    var restore = !detail.hidden && shown && shown.textContent === title ? paneScrolls() : null;
    detail.replaceChildren(el("div", null, el("h2", { id: "detail-title", tabindex: "-1" }, title), ...children));
    detail.hidden = false;
    if (restore) restore();
    else (document.getElementById("detail-title") as HTMLElement).focus();
  }

  /** The newest record in the state of what a pane shows, or undefined when it is gone from the board. */
  function latest(kind: string, match: (record: Fields) => boolean): Fields | undefined {
    return (io.board.state ? (io.board.state[kind] as Fields[]) : []).filter(match)[0];
  }

  async function openWorker(worker: Fields): Promise<void> {
    opening(`Worker ${worker.name}`, () => openWorker(latest("workers", (w) => w.name === worker.name && w.repo === worker.repo) || worker));
    var q = `kind=worker&id=${encodeURIComponent(worker.name)}&repo=${encodeURIComponent(worker.repo)}`;
    var [report, changes, preview] = await Promise.all([read(`${q}&view=report`), read(`${q}&view=changes`), read(`${q}&view=integration_preview`)]);
    var diffBox = el("div", { class: "diffbox" });
    var files: Fields[] = changes.ok ? changes.data.details.files || [] : [];
    var fileList = el(
      "ul",
      { class: "files", "aria-label": "changed files" },
      ...files.map((file) =>
        el(
          "li",
          null,
          button(file.path + (file.status ? ` (${file.status})` : ""), () => {
            paneFile = file.path;
            return showDiff(file.path);
          }),
        ),
      ),
    );
    async function showDiff(path: string): Promise<void> {
      var diff = await read(`${q}&view=diff&file=${encodeURIComponent(path)}`);
      diffBox.replaceChildren(el("h3", null, path), diff.ok ? dom.diffView(String(diff.data.details.diff || "")) : el("p", { class: "error" }, diff.error));
    }
    // Drawn again on a new state: the diff the operator opened stays open.
    if (paneFile && files.some((file) => file.path === paneFile)) await showDiff(paneFile);
    showPane(
      `Worker ${worker.name}`,
      el("p", null, `${worker.state} \u00b7 ${worker.agent}${worker.model ? ` (${worker.model})` : ""} \u00b7 ${worker.workspace_mode}`),
      el(
        "div",
        { class: "actions" },
        button("Integrate", () => io.integrate(worker.name, worker.repo)),
        button("Stop", () => io.post({ action: "stop", id: worker.name, repo: worker.repo }, `Stop worker ${worker.name}?`), { class: "danger" }),
      ),
      el("h3", null, "Report"),
      el("pre", null, report.ok ? report.data.details.report || "(no report yet)" : report.error),
      el("h3", null, "Changed files"),
      files.length ? fileList : el("p", null, changes.ok ? "No changes." : changes.error),
      diffBox,
      el("h3", null, "Integration preview"),
      el("pre", null, preview.ok ? preview.text : preview.error),
      preview.ok ? views.conflictsView(worker.name, preview.data.details) : null,
    );
  }

  /**
   * PLAN.md as the server rendered it (inert: no raw HTML, images as text, http(s) links only,
   * markdown.ts). Parsed in a document of its own, where nothing runs or loads, then moved here.
   */
  function planView(html: string): HTMLElement {
    var parsed = new DOMParser().parseFromString(html, "text/html");
    return el("div", { class: "plan", "aria-label": "PLAN.md" }, ...Array.prototype.slice.call(parsed.body.childNodes));
  }

  async function openRun(run: Fields): Promise<void> {
    opening(`Run ${run.run_id}`, () => openRun(latest("runs", (r) => r.run_id === run.run_id && r.repo === run.repo) || run));
    var answer = await read(`kind=run&id=${encodeURIComponent(run.run_id)}&repo=${encodeURIComponent(run.repo)}`);
    if (!answer.ok) return showPane(`Run ${run.run_id}`, el("p", { class: "error" }, answer.error));
    var status = answer.data.status || {};
    var events: Fields[] = (answer.data.events && answer.data.events.events) || [];
    showPane(
      `Run ${run.run_id}`,
      el("p", null, run.task),
      el(
        "ol",
        { class: "timeline", "aria-label": "phases" },
        ...events.map((event) =>
          el(
            "li",
            null,
            [event.phase, event.event || event.kind, event.status, event.duration_ms ? `${event.duration_ms} ms` : ""].filter(Boolean).join(" \u00b7 "),
          ),
        ),
      ),
      el("p", null, `State: ${status.state}${status.next ? ` \u00b7 next: ${status.next}` : ""}`),
      el(
        "div",
        { class: "actions" },
        run.state === "planned" ? button("Approve plan", () => io.approve(run.run_id, run.repo)) : null,
        io.cancellable(run) ? button("Cancel run", () => io.cancelRun(run), { class: "danger" }) : null,
      ),
      el("h3", null, "PLAN.md"),
      answer.data.plan ? planView(answer.data.plan) : el("p", null, "(no plan yet)"),
      el("h3", null, "Tests and review"),
      status.tests || status.review
        ? el("pre", null, JSON.stringify({ tests: status.tests, review: status.review }, null, 2))
        : el("p", null, "No tests or review yet."),
    );
  }

  async function openJob(jobId: string): Promise<void> {
    opening(`Job ${jobId}`, () => openJob(jobId));
    var answer = await read(`kind=job&id=${encodeURIComponent(jobId)}`);
    showPane(`Job ${jobId}`, answer.ok ? el("pre", null, answer.text) : el("p", { class: "error" }, answer.error));
  }

  async function openAgent(agent: string): Promise<void> {
    var drafts = paneTitle === `Agent ${agent}` ? [document.getElementById("send-to"), document.getElementById("send-content")] : [];
    opening(`Agent ${agent}`, () => openAgent(agent));
    var answer = await read(`kind=agent&id=${encodeURIComponent(agent)}`);
    var messages: Fields[] = answer.ok ? answer.data.messages || [] : [];
    var others = (io.board.state ? (io.board.state.agents as string[]) : []).filter((name) => name !== agent);
    var to = el("input", { id: "send-to", name: "to", required: true, value: others[0] || "" }) as HTMLInputElement;
    var content = el("textarea", { id: "send-content", name: "content", required: true, rows: "3" }) as HTMLTextAreaElement;
    // Drawn again on a new state: a message being written stays as it is.
    if (drafts[0]) to.value = (drafts[0] as HTMLInputElement).value;
    if (drafts[1]) content.value = (drafts[1] as HTMLTextAreaElement).value;
    showPane(
      `Agent ${agent}`,
      answer.ok ? views.threadsView(messages) : el("p", { class: "error" }, answer.error),
      el(
        "form",
        {
          onsubmit: (event: Event) => {
            event.preventDefault();
            void io.post({ action: "send", as: agent, to: to.value, content: content.value }).then((sent) => {
              if (sent) void openAgent(agent);
            });
          },
        },
        el("h3", null, `Send as ${agent}`),
        el("label", { for: "send-to" }, "To (NAME or NAME@NAMESPACE)"),
        to,
        el("label", { for: "send-content" }, "Message"),
        content,
        el("button", { type: "submit" }, "Send"),
      ),
    );
  }

  /** A conflict's first worker, to open its pane (the integration preview names the others). */
  function openConflict(item: Fields): void {
    var name = String(item.id).split(", ")[0];
    var worker = latest("workers", (w) => w.name === name && w.repo === item.repo);
    if (worker) void openWorker(worker);
  }

  /** Draws the open pane again from the new state. */
  function follow(): void {
    if (paneLoad && !detail.hidden) void paneLoad();
  }

  return { openWorker, openRun, openJob, openAgent, openConflict, follow };
}

export type BoardPanes = ReturnType<typeof boardPanes>;
