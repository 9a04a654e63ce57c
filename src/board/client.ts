/**
 * The board's script, run in the operator's browser: the wiring. It opens one server-sent event
 * stream (`/board/events` under the page's own path, filtered by the repository menu) and renders each `state` it gets into
 * the chosen tab: no polling. Everything shown is data, put on the page with DOM nodes and
 * textContent, never markup, but for PLAN.md, rendered inert on the server (markdown.ts).
 *
 * The script is made of parts, each one job and each a function shipped as its own source text
 * (like the tool card's, src/mcp/widget/script.ts), type-checked with the rest of src/: the DOM
 * kit (client-dom.ts), renderings of tool answers (client-render.ts), the server calls
 * (client-io.ts), the windowed long lists (client-virtual.ts), the detail pane (client-panes.ts)
 * and the views (client-views.ts). Each may use only DOM globals, the parts it is handed and
 * types, and keeps to ES2017.
 */

import { boardDom } from "./client-dom.ts";
import { type BoardIo, boardIo } from "./client-io.ts";
import { type BoardPanes, boardPanes } from "./client-panes.ts";
import { boardRender } from "./client-render.ts";
import { type BoardViews, boardViews } from "./client-views.ts";
import { type BoardVirtual, boardVirtual } from "./client-virtual.ts";
import type { Fields } from "./client-dom.ts";

function boardClient(io: BoardIo, panes: BoardPanes, views: BoardViews, virtual: BoardVirtual): void {
  var tab = "team";
  var source: EventSource | null = null;
  var repoSelect = document.getElementById("repo") as HTMLSelectElement;
  var live = document.getElementById("live") as HTMLElement;
  var panel = document.getElementById("panel") as HTMLElement;
  var tabs = Array.prototype.slice.call(document.querySelectorAll("[role=tab]")) as HTMLElement[];

  function render(): void {
    var state = io.board.state;
    if (!state) return;
    var chosen = repoSelect.value;
    repoSelect.replaceChildren(
      new Option("All repositories", ""),
      ...(state.repos as Fields[]).map((r) => new Option(r.name, r.path, false, r.path === chosen)),
    );
    repoSelect.value = chosen;
    (document.getElementById("waiting-count") as HTMLElement).textContent = String(state.waiting.length);
    panel.setAttribute("aria-labelledby", `tab-${tab}`);
    var restore = virtual.keep();
    panel.replaceChildren(views[tab]!(state));
    restore();
  }

  function connect(): void {
    if (source) source.close();
    source = new EventSource(io.at(`events${repoSelect.value ? `?repo=${encodeURIComponent(repoSelect.value)}` : ""}`));
    source.addEventListener("state", (event) => {
      io.board.state = JSON.parse((event as MessageEvent).data) as Fields;
      live.textContent = `Live \u00b7 updated ${new Date().toLocaleTimeString()}`;
      render();
      // The open pane follows too, keeping its scroll positions and focus.
      panes.follow();
    });
    source.addEventListener("error", () => (live.textContent = "Reconnecting\u2026"));
  }

  function select(name: string): void {
    tab = name;
    tabs.forEach((t) => {
      var on = t.getAttribute("data-view") === name;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
    });
    render();
  }
  io.board.select = select;

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
  select(location.hash.slice(1) in views ? location.hash.slice(1) : "team");
  connect();
}

/** The board's script as the page embeds it: each part's source, called in order with the parts before it. */
export const BOARD_SCRIPT = `"use strict";
(function () {
var dom = (${boardDom.toString()})();
var render = (${boardRender.toString()})(dom);
var io = (${boardIo.toString()})();
var panes = (${boardPanes.toString()})(dom, render, io);
var virtual = (${boardVirtual.toString()})(dom);
(${boardClient.toString()})(io, panes, (${boardViews.toString()})(dom, render, io, panes, virtual), virtual);
})();
`;
