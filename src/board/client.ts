/**
 * The board's script, run in the operator's browser. It opens one server-sent event stream
 * (`/board/events`) and renders each `state` it gets: no polling. Everything shown is data,
 * put on the page with DOM nodes and textContent, never markup, but for PLAN.md, rendered inert on
 * the server (markdown.ts). Actions and the detail pane go
 * to `/board/action` and `/board/detail` with the page's CSRF token; a tool's refusal is shown
 * as the tool worded it. Destructive actions ask first.
 *
 * Like the tool card (src/mcp/widget/script.ts), `boardClient` is type-checked with the rest of
 * src/ and shipped as its own source text: it may use only DOM globals, the DOM kit and renderings
 * it is handed (`boardDom`, client-dom.ts; `boardRender`, client-render.ts) and types, and keeps to ES2017.
 */

import { type BoardDom, boardDom, type Child, type Fields } from "./client-dom.ts";
import { type BoardRender, boardRender } from "./client-render.ts";

function boardClient(dom: BoardDom, views: BoardRender): void {
  var el = dom.el;
  var when = dom.when;
  var usageText = dom.usageText;
  var firstLine = dom.firstLine;
  var table = dom.table;
  var button = dom.button;
  var openCell = dom.openCell;
  var stateCell = dom.stateCell;
  var diffView = dom.diffView;
  var lines = dom.lines;
  var threadsView = views.threadsView;
  var conflictsView = views.conflictsView;
  var usageView = views.usageView;
  var presenceText = dom.presenceText;
  var PAGE_SIZE = 50;
  var body = document.body;
  var csrf = body.getAttribute("data-csrf") || "";
  var state: Fields | null = null;
  var tab = "team";
  var jobPage = 0;
  // The open detail pane: its title, how to draw it again, and the diff open in a worker's pane.
  var paneTitle = "";
  var paneLoad: (() => Promise<void>) | null = null;
  var paneFile = "";
  var source: EventSource | null = null;
  var repoSelect = document.getElementById("repo") as HTMLSelectElement;
  var live = document.getElementById("live") as HTMLElement;
  var notice = document.getElementById("notice") as HTMLElement;
  var detail = document.getElementById("detail") as HTMLElement;

  function say(text: string, isError?: boolean): void {
    notice.textContent = text;
    notice.className = isError ? "notice error" : "notice";
  }

  function repoParam(): string {
    return repoSelect.value ? `&repo=${encodeURIComponent(repoSelect.value)}` : "";
  }

  /** Runs an action; whether the tool did it. */
  async function post(action: Fields, confirmText?: string): Promise<boolean> {
    if (confirmText && !window.confirm(confirmText)) return false;
    say("Working\u2026");
    var response = await fetch("/board/action", {
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
    var response = await fetch(`/board/detail?${query}`, { headers: { "x-patchbay-csrf": csrf } });
    return (await response.json().catch(() => ({ ok: false, error: `the server answered ${response.status}` }))) as Fields;
  }

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
    return (state ? (state[kind] as Fields[]) : []).filter(match)[0];
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
      diffBox.replaceChildren(el("h3", null, path), diff.ok ? diffView(String(diff.data.details.diff || "")) : el("p", { class: "error" }, diff.error));
    }
    // Drawn again on a new state: the diff the operator opened stays open.
    if (paneFile && files.some((file) => file.path === paneFile)) await showDiff(paneFile);
    showPane(
      `Worker ${worker.name}`,
      el("p", null, `${worker.state} \u00b7 ${worker.agent}${worker.model ? ` (${worker.model})` : ""} \u00b7 ${worker.workspace_mode}`),
      el(
        "div",
        { class: "actions" },
        button("Integrate", () => integrate(worker.name, worker.repo)),
        button("Stop", () => post({ action: "stop", id: worker.name, repo: worker.repo }, `Stop worker ${worker.name}?`), { class: "danger" }),
      ),
      el("h3", null, "Report"),
      el("pre", null, report.ok ? report.data.details.report || "(no report yet)" : report.error),
      el("h3", null, "Changed files"),
      files.length ? fileList : el("p", null, changes.ok ? "No changes." : changes.error),
      diffBox,
      el("h3", null, "Integration preview"),
      el("pre", null, preview.ok ? preview.text : preview.error),
      preview.ok ? conflictsView(worker.name, preview.data.details) : null,
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
        run.state === "planned" ? button("Approve plan", () => approve(run.run_id, run.repo)) : null,
        cancellable(run) ? button("Cancel run", () => cancelRun(run), { class: "danger" }) : null,
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
    var others = (state ? (state.agents as string[]) : []).filter((name) => name !== agent);
    var to = el("input", { id: "send-to", name: "to", required: true, value: others[0] || "" }) as HTMLInputElement;
    var content = el("textarea", { id: "send-content", name: "content", required: true, rows: "3" }) as HTMLTextAreaElement;
    // Drawn again on a new state: a message being written stays as it is.
    if (drafts[0]) to.value = (drafts[0] as HTMLInputElement).value;
    if (drafts[1]) content.value = (drafts[1] as HTMLTextAreaElement).value;
    showPane(
      `Agent ${agent}`,
      answer.ok ? threadsView(messages) : el("p", { class: "error" }, answer.error),
      el(
        "form",
        {
          onsubmit: (event: Event) => {
            event.preventDefault();
            void post({ action: "send", as: agent, to: to.value, content: content.value }).then((sent) => {
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

  function turnPage(step: number, pages: number): void {
    jobPage = Math.min(pages - 1, Math.max(0, jobPage + step));
    render();
  }

  function teamView(s: Fields): HTMLElement {
    var workers = (s.workers as Fields[]).map((w) =>
      el(
        "tr",
        null,
        openCell("worker", w.name, () => void openWorker(w)),
        stateCell(w.state),
        el("td", null, w.agent + (w.model ? ` (${w.model})` : "")),
        el("td", null, w.workspace_mode),
        el("td", null, w.owner),
        el("td", null, String((w.changed_files || []).length)),
        el("td", null, firstLine(w.report)),
        el("td", null, lines(w.warnings || [], `${w.name}'s overlaps and conflicts`, "warnings")),
        el("td", null, usageText(w.usage)),
        el("td", null, when(w.last_activity)),
      ),
    );
    var jobs = s.jobs as Fields[];
    var pages = Math.max(1, Math.ceil(jobs.length / PAGE_SIZE));
    if (jobPage >= pages) jobPage = pages - 1;
    var shown = jobs.slice(jobPage * PAGE_SIZE, (jobPage + 1) * PAGE_SIZE).map((j) =>
      el(
        "tr",
        null,
        openCell("job", j.job_id, () => void openJob(j.job_id)),
        stateCell(j.state),
        el("td", null, j.title || j.kind),
        el("td", null, j.agent),
        el("td", null, firstLine(j.latest)),
        el(
          "td",
          null,
          j.state === "running" || j.state === "pending"
            ? button("Cancel", () => post({ action: "cancel_job", id: j.job_id }, `Cancel job ${j.job_id}?`), { class: "danger" })
            : "",
        ),
      ),
    );
    var counts = ["running", "pending"].map((name) => jobs.filter((j) => j.state === name).length);
    return el(
      "div",
      null,
      table(["Worker", "State", "Agent", "Mode", "Owner", "Changed", "Last report", "Overlaps and conflicts", "Usage", "Last activity"], workers, "Workers"),
      el("h2", null, `Jobs: ${counts[0]} running, ${counts[1]} queued, ${jobs.length - counts[0]! - counts[1]!} finished`),
      table(["Job", "State", "Title", "Agent", "Latest", ""], shown, "Jobs"),
      pages > 1
        ? el(
            "nav",
            { "aria-label": "job pages" },
            button("Previous", () => turnPage(-1, pages), { disabled: jobPage === 0 }),
            ` page ${jobPage + 1} of ${pages} `,
            button("Next", () => turnPage(1, pages), { disabled: jobPage >= pages - 1 }),
          )
        : null,
    );
  }

  function runsView(s: Fields): HTMLElement {
    var rows = (s.runs as Fields[]).map((r) =>
      el(
        "tr",
        null,
        openCell("run", r.run_id, () => void openRun(r)),
        stateCell(r.state, r.running ? ` (${r.running} running)` : ""),
        el("td", null, r.task),
        el("td", null, usageText(r.usage)),
        el("td", null, when(r.updated_at)),
        el("td", null, cancellable(r) ? button("Cancel", () => cancelRun(r), { class: "danger", "aria-label": `Cancel run ${r.run_id}` }) : ""),
      ),
    );
    return table(["Run", "State", "Task", "Usage", "Updated", ""], rows, "Runs");
  }

  function messagesView(s: Fields): HTMLElement {
    var rows = (s.agents as string[]).map((agent) => {
      var seen = (s.presence as Fields[]).filter((entry) => entry.agent === agent)[0];
      return el(
        "tr",
        null,
        openCell("agent", agent, () => void openAgent(agent)),
        el("td", null, agent.split("@")[1] || ""),
        el("td", null, presenceText(seen)),
        el("td", null, when(seen ? seen.last_seen : null) || "never"),
      );
    });
    return table(["Agent", "Namespace", "Presence", "Last seen"], rows, "Agents");
  }

  var WAITING_LABELS: Fields = {
    plan: "Plan to approve",
    conflict: "Conflict",
    integrate: "Ready to integrate",
    failed_run: "Failed run",
    budget: "Budget past its limit",
  };

  /** A conflict's first worker, to open its pane (the integration preview names the others). */
  function openConflict(item: Fields): void {
    var name = String(item.id).split(", ")[0];
    var worker = (state ? (state.workers as Fields[]) : []).filter((w) => w.name === name && w.repo === item.repo)[0];
    if (worker) void openWorker(worker);
  }

  function waitingView(s: Fields): HTMLElement {
    var rows = (s.waiting as Fields[]).map((item) => {
      var act =
        item.kind === "plan"
          ? button("Approve plan", () => approve(item.id, item.repo))
          : item.kind === "integrate"
            ? button("Integrate", () => integrate(item.id, item.repo))
            : item.kind === "conflict"
              ? button("Open", () => openConflict(item))
              : item.kind === "budget"
                ? button("Show usage", () => select("usage"))
                : button("Open", () => void openRun({ run_id: item.id, repo: item.repo, task: item.title, state: "failed" }));
      return el("tr", null, el("td", null, WAITING_LABELS[item.kind]), el("td", null, item.id), el("td", null, item.title), el("td", null, act));
    });
    return table(["Waiting", "What", "About", ""], rows, "Items waiting on you");
  }

  var VIEWS: Record<string, (s: Fields) => HTMLElement> = { team: teamView, runs: runsView, messages: messagesView, waiting: waitingView, usage: usageView };

  function render(): void {
    if (!state) return;
    var chosen = repoSelect.value;
    var options = [el("option", { value: "" }, "All repositories")].concat(
      (state.repos as Fields[]).map((r) => el("option", { value: r.path, selected: r.path === chosen }, r.name)),
    );
    repoSelect.replaceChildren(...options);
    repoSelect.value = chosen;
    var waitingCount = document.getElementById("waiting-count") as HTMLElement;
    waitingCount.textContent = String(state.waiting.length);
    var panel = document.getElementById("panel") as HTMLElement;
    panel.setAttribute("aria-labelledby", `tab-${tab}`);
    panel.replaceChildren(VIEWS[tab]!(state));
  }

  function connect(): void {
    if (source) source.close();
    source = new EventSource(`/board/events?${repoParam().slice(1)}`);
    source.addEventListener("state", (event) => {
      state = JSON.parse((event as MessageEvent).data) as Fields;
      live.textContent = `Live \u00b7 updated ${new Date().toLocaleTimeString()}`;
      render();
      // The open pane follows too, keeping its scroll positions and focus.
      if (paneLoad && !detail.hidden) void paneLoad();
    });
    source.addEventListener("error", () => (live.textContent = "Reconnecting\u2026"));
  }

  var tabs = Array.prototype.slice.call(document.querySelectorAll("[role=tab]")) as HTMLElement[];
  function select(name: string): void {
    tab = name;
    tabs.forEach((t) => {
      var on = t.getAttribute("data-view") === name;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
    });
    render();
  }
  tabs.forEach((t, index) => {
    t.addEventListener("click", () => select(t.getAttribute("data-view") || "team"));
    t.addEventListener("keydown", (event) => {
      var step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
      if (!step) return;
      var next = tabs[(index + step + tabs.length) % tabs.length]!;
      next.focus();
      select(next.getAttribute("data-view") || "team");
    });
  });
  repoSelect.addEventListener("change", connect);
  select(location.hash.slice(1) in VIEWS ? location.hash.slice(1) : "team");
  connect();
}

/** The board's script as the page embeds it. */
export const BOARD_SCRIPT = `"use strict";\n(function () {\nvar dom = (${boardDom.toString()})();\n(${boardClient.toString()})(dom, (${boardRender.toString()})(dom));\n})();\n`;
