/**
 * The board page's views, one function of the state each: Team (workers and jobs, as windowed
 * lists), Runs, Messages (agents, windowed), Waiting on you and Usage. Rows open their item in the
 * detail pane; their buttons run the tool an MCP host would. Shipped as its own source text like
 * `boardClient` (client.ts), so it may use only DOM globals, what it is handed and types, and
 * keeps to ES2017.
 */

import type { BoardDom, Fields } from "./client-dom.ts";
import type { BoardIo } from "./client-io.ts";
import type { BoardPanes } from "./client-panes.ts";
import type { BoardRender } from "./client-render.ts";
import type { BoardVirtual } from "./client-virtual.ts";

export function boardViews(dom: BoardDom, render: BoardRender, io: BoardIo, panes: BoardPanes, virtual: BoardVirtual) {
  var el = dom.el;
  var when = dom.when;
  var usageText = dom.usageText;
  var firstLine = dom.firstLine;
  var button = dom.button;
  var openCell = dom.openCell;
  var stateCell = dom.stateCell;

  function workerCells(w: Fields): HTMLElement[] {
    return [
      openCell("worker", w.name, () => void panes.openWorker(w)),
      stateCell(w.state),
      el("td", null, w.agent + (w.model ? ` (${w.model})` : "")),
      el("td", null, w.workspace_mode),
      el("td", null, w.owner),
      el("td", null, String((w.changed_files || []).length)),
      el("td", null, firstLine(w.report)),
      el("td", null, dom.lines(w.warnings || [], `${w.name}'s overlaps and conflicts`, "warnings")),
      el("td", null, usageText(w.usage)),
      el("td", null, when(w.last_activity)),
    ];
  }

  function jobCells(j: Fields): HTMLElement[] {
    var live = j.state === "running" || j.state === "pending";
    return [
      openCell("job", j.job_id, () => void panes.openJob(j.job_id)),
      stateCell(j.state),
      el("td", null, j.title || j.kind),
      el("td", null, j.agent),
      el("td", null, firstLine(j.latest)),
      el("td", null, live ? button("Cancel", () => io.cancelJob(j.job_id), { class: "danger", "aria-label": `Cancel job ${j.job_id}` }) : ""),
    ];
  }

  function teamView(s: Fields): HTMLElement {
    var jobs = s.jobs as Fields[];
    var counts = ["running", "pending"].map((name) => jobs.filter((j) => j.state === name).length);
    return el(
      "div",
      null,
      virtual.list("workers", {
        caption: "Workers",
        headers: ["Worker", "State", "Agent", "Mode", "Owner", "Changed", "Last report", "Overlaps and conflicts", "Usage", "Last activity"],
        widths: [8, 5.5, 6.5, 8.5, 7, 6, 0, 0, 12, 7.5],
        items: s.workers,
        key: (w) => `${w.repo}\n${w.name}`,
        cells: workerCells,
        text: (w) => [w.name, w.state, w.agent, w.model, w.workspace_mode, w.owner, w.report].concat(w.warnings || []).join(" "),
      }),
      el("h2", null, `Jobs: ${counts[0]} running, ${counts[1]} queued, ${jobs.length - counts[0]! - counts[1]!} finished`),
      virtual.list("jobs", {
        caption: "Jobs",
        headers: ["Job", "State", "Title", "Agent", "Latest", ""],
        widths: [18, 6.5, 0, 5.5, 0, 6],
        items: jobs,
        key: (j) => j.job_id,
        cells: jobCells,
        text: (j) => [j.job_id, j.state, j.title || j.kind, j.agent, j.latest].join(" "),
      }),
    );
  }

  function runsView(s: Fields): HTMLElement {
    var rows = (s.runs as Fields[]).map((r) =>
      el(
        "tr",
        null,
        openCell("run", r.run_id, () => void panes.openRun(r)),
        stateCell(r.state, r.running ? ` (${r.running} running)` : ""),
        el("td", null, r.task),
        el("td", null, usageText(r.usage)),
        el("td", null, when(r.updated_at)),
        el("td", null, io.cancellable(r) ? button("Cancel", () => io.cancelRun(r), { class: "danger", "aria-label": `Cancel run ${r.run_id}` }) : ""),
      ),
    );
    return dom.table(["Run", "State", "Task", "Usage", "Updated", ""], rows, "Runs");
  }

  function messagesView(s: Fields): HTMLElement {
    var presence = s.presence as Fields[];
    return virtual.list("agents", {
      caption: "Agents",
      headers: ["Agent", "Namespace", "Presence", "Last seen"],
      widths: [0, 10, 12, 9],
      items: (s.agents as string[]).map((agent) => ({ agent: agent, seen: presence.filter((entry) => entry.agent === agent)[0] })),
      key: (a) => a.agent,
      cells: (a) => [
        openCell("agent", a.agent, () => void panes.openAgent(a.agent)),
        el("td", null, a.agent.split("@")[1] || ""),
        el("td", null, dom.presenceText(a.seen)),
        el("td", null, when(a.seen ? a.seen.last_seen : null) || "never"),
      ],
      text: (a) => `${a.agent} ${dom.presenceText(a.seen)}`,
    });
  }

  var WAITING_LABELS: Fields = {
    plan: "Plan to approve",
    conflict: "Conflict",
    integrate: "Ready to integrate",
    failed_run: "Failed run",
    budget: "Budget past its limit",
    ban: "Banned token",
  };

  function waitingAction(item: Fields): HTMLElement {
    if (item.kind === "plan") return button("Approve plan", () => io.approve(item.id, item.repo));
    if (item.kind === "integrate") return button("Integrate", () => io.integrate(item.id, item.repo));
    if (item.kind === "conflict") return button("Open", () => panes.openConflict(item));
    if (item.kind === "budget") return button("Show usage", () => io.board.select("usage"));
    if (item.kind === "ban") return button("Lift ban", () => io.liftBan(item), { class: "danger", "aria-label": `Lift ban of token ${item.id}` });
    return button("Open", () => void panes.openRun({ run_id: item.id, repo: item.repo, task: item.title, state: "failed" }));
  }

  function waitingView(s: Fields): HTMLElement {
    var rows = (s.waiting as Fields[]).map((item) =>
      el("tr", null, el("td", null, WAITING_LABELS[item.kind]), el("td", null, item.id), el("td", null, item.title), el("td", null, waitingAction(item))),
    );
    return dom.table(["Waiting", "What", "About", ""], rows, "Items waiting on you");
  }

  return { team: teamView, runs: runsView, messages: messagesView, waiting: waitingView, usage: render.usageView } as Record<
    string,
    (s: Fields) => HTMLElement
  >;
}

export type BoardViews = ReturnType<typeof boardViews>;
