/**
 * The board's renderings of tool answers that need nothing but the DOM kit: an agent's messages
 * by thread, a worker's overlaps and conflicts from its integration preview, and usage per day.
 * Shipped as its own source text like `boardClient` (client.ts), so it may use only DOM globals,
 * the kit it is handed and types, and keeps to ES2017.
 */

import type { BoardDom, Fields } from "./client-dom.ts";

export function boardRender(dom: BoardDom) {
  var el = dom.el;
  var when = dom.when;
  var firstLine = dom.firstLine;
  var lines = dom.lines;
  var usageText = dom.usageText;
  var table = dom.table;

  /** An agent's messages, one list per thread, newest thread first (recall answers newest first). */
  function threadsView(messages: Fields[]): HTMLElement {
    if (!messages.length) return el("p", { class: "empty" }, "No messages yet.");
    var threads: Record<string, Fields[]> = {};
    var order: string[] = [];
    messages.forEach((m) => {
      if (!threads[m.thread_id]) {
        threads[m.thread_id] = [];
        order.push(m.thread_id);
      }
      threads[m.thread_id]!.unshift(m);
    });
    return el(
      "div",
      null,
      ...order.map((id) =>
        el(
          "section",
          { "aria-label": `thread ${id}` },
          el("h3", null, `Thread ${id.slice(0, 8)}`),
          el(
            "ul",
            { class: "messages" },
            ...threads[id]!.map((m) =>
              el("li", null, el("strong", null, `${m.from} \u2192 ${m.to}`), ` ${m.state}, ${when(m.created_at)}: `, firstLine(m.content)),
            ),
          ),
        ),
      ),
    );
  }

  /** The preview's conflicts: with the current base, and with each other worker (both names on each line). */
  function conflictsView(name: string, details: Fields): HTMLElement | null {
    var base: string[] = details.base_conflicts || [];
    var peers: Fields[] = details.worker_conflicts || [];
    var found = (base.length ? [`Conflicts with the current base in ${base.join(", ")}`] : []).concat(
      peers.map((peer) =>
        peer.conflicting_files.length
          ? `${name} conflicts with ${peer.worker} in ${peer.conflicting_files.join(", ")}`
          : `${name} and ${peer.worker} both changed ${peer.overlapping_files.join(", ")} (they merge cleanly)`,
      ),
    );
    return found.length ? el("div", null, el("h3", null, "Overlaps and conflicts"), lines(found, "overlaps and conflicts", "warnings")) : null;
  }

  function amount(budget: Fields, value: number | undefined): string {
    if (value === undefined) return "none";
    return budget.unit === "usd" ? `$${value.toFixed(4)}` : `${value.toLocaleString("en-US")} tokens`;
  }

  /** Each configured budget that applies today: spent against its soft and hard limits. */
  function budgetsView(budgets: Fields[]): HTMLElement {
    var rows = budgets.map((b) =>
      el(
        "tr",
        null,
        el("td", null, b.what),
        el("td", null, amount(b, b.spent)),
        el("td", null, amount(b, b.soft_limit)),
        el("td", null, amount(b, b.hard_limit)),
        el("td", null, b.state.replace("_", " ")),
        el("td", null, b.key),
      ),
    );
    return table(["Budget", "Spent", "Soft limit", "Hard limit", "State", "Config key"], rows, "Budgets");
  }

  function usageView(s: Fields): HTMLElement {
    var rows = (s.usage as Fields[]).map((day) => el("tr", null, el("td", null, day.key), el("td", null, String(day.turns)), el("td", null, usageText(day))));
    var days = table(["Day (UTC)", "Turns", "Usage"], rows, "Usage per day");
    var budgets = (s.budgets || []) as Fields[];
    return budgets.length ? el("div", null, budgetsView(budgets), days) : days;
  }

  return { threadsView, conflictsView, usageView };
}

export type BoardRender = ReturnType<typeof boardRender>;
