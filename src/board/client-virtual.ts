/**
 * The board page's long lists (jobs, workers, agents) as a window of fixed-height rows over the
 * whole list: the table holds only the rows in view (and a few around them) between two spacer
 * rows as tall as the rest, so a thousand jobs cost the page what thirty do. The arrow keys,
 * Page Up/Down, Home and End move from row to row across the whole list, drawing the rows they
 * reach; a filter box narrows the list by text, since the browser's own find sees only the rows
 * drawn. Each list outlives the renders of its view (its scroll position, filter and focused row
 * kept). Shipped as its own source text like `boardClient` (client.ts), so it may use only DOM
 * globals, the kit it is handed and types, and keeps to ES2017.
 */

import type { BoardDom, Fields } from "./client-dom.ts";

export interface ListSpec {
  caption: string;
  headers: string[];
  /** Each column's width in rem; 0 shares what is left (at least 8rem). */
  widths: number[];
  items: Fields[];
  /** A row's identity from one state to the next, to keep focus on it. */
  key(item: Fields): string;
  cells(item: Fields): HTMLElement[];
  /** What the filter searches in a row. */
  text(item: Fields): string;
}

export function boardVirtual(dom: BoardDom) {
  var el = dom.el;
  /** Rows drawn beyond each edge of the view, so a fast scroll shows no gap before the next frame. */
  var OVERSCAN = 8;
  var STEPS: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: 10, PageUp: -10, Home: -1e9, End: 1e9 };
  var made: Record<string, ReturnType<typeof makeList>> = {};

  function makeList(name: string) {
    var spec: ListSpec | null = null;
    var shown: Fields[] = [];
    var rowPx = 36;
    var top = 0;
    var drawing = 0;
    var input = el("input", { type: "search", id: `filter-${name}`, autocomplete: "off" }) as HTMLInputElement;
    var label = el("label", { for: input.id, class: "filter" });
    var count = el("span", { class: "count-line", "aria-live": "polite" });
    var caption = el("caption");
    var columns = el("colgroup");
    var head = el("thead");
    var body = el("tbody");
    var table = el("table", { class: "vtable" }, caption, columns, head, body);
    var box = el("div", { class: "vbox", tabindex: "-1" }, table);
    var root = el("div", { class: "vlist" }, el("div", { class: "filterbar" }, label, input, count), box);

    function filter(): void {
      var query = input.value.trim().toLowerCase();
      var items = spec ? spec.items : [];
      shown = query ? items.filter((item) => spec!.text(item).toLowerCase().indexOf(query) >= 0) : items;
      var noun = spec ? spec.caption.toLowerCase() : "";
      count.textContent = query ? `${shown.length} of ${items.length} ${noun} shown` : `${items.length} ${noun}`;
    }

    function spacer(px: number): HTMLElement | null {
      if (px <= 0) return null;
      var cell = el("td", { colspan: String(spec!.headers.length) });
      // Through the CSSOM: the page's CSP refuses style attributes.
      cell.style.height = `${px}px`;
      return el("tr", { class: "spacer", "aria-hidden": "true" }, cell);
    }

    /** The focused row and column, if focus is in this list's rows. */
    function focused(): { key: string; column: number } | null {
      var active = document.activeElement;
      var row = active && body.contains(active) ? (active.closest("tr[data-index]") as HTMLElement | null) : null;
      if (!row) return null;
      var cell = active!.closest("td");
      return { key: row.getAttribute("data-key") || "", column: cell ? Array.prototype.indexOf.call(row.children, cell) : 0 };
    }

    function focusRow(key: string, column: number): void {
      var row = body.querySelector(`tr[data-key="${CSS.escape(key)}"]`) as HTMLElement | null;
      if (!row) return;
      var cell = (row.children[column] || row.children[0]) as HTMLElement;
      var target = (cell.querySelector("button, input, a") || row.querySelector("button")) as HTMLElement | null;
      if (!target) {
        row.tabIndex = -1;
        target = row;
      }
      target.focus({ preventScroll: true });
    }

    /** Draws the rows in view between two spacers; the height of the first row drawn. */
    function drawRows(): number {
      var offset = rowsOffset();
      var view = box.clientHeight || 480;
      var first = Math.max(0, Math.floor((box.scrollTop - offset) / rowPx) - OVERSCAN);
      var last = Math.min(shown.length, Math.ceil((box.scrollTop - offset + view) / rowPx) + OVERSCAN);
      var cells = spec!.cells;
      var key = spec!.key;
      var rows = shown
        .slice(first, last)
        .map((item, i) => el("tr", { "aria-rowindex": String(first + i + 2), "data-index": String(first + i), "data-key": key(item) }, ...cells(item)));
      body.replaceChildren(...([spacer(first * rowPx)].concat(rows, [spacer((shown.length - last) * rowPx)]).filter(Boolean) as HTMLElement[]));
      table.setAttribute("aria-rowcount", String(shown.length + 1));
      return rows.length ? rows[0]!.getBoundingClientRect().height : 0;
    }

    /** Draws the rows in view; focus stays on the row it was on when that row is still drawn. */
    function draw(): void {
      if (!spec) return;
      var keep = focused();
      var measured = drawRows();
      // The first row drawn tells the real row height (fonts differ, and it may be fractional); the spacers follow it.
      if (measured > 0 && Math.abs(measured - rowPx) > 0.01) {
        rowPx = measured;
        drawRows();
      }
      if (keep) focusRow(keep.key, keep.column);
    }

    /** Where the rows start in the scrolled box (below the caption and header). */
    function rowsOffset(): number {
      return table.offsetTop + body.offsetTop;
    }

    /** Scrolls row `index` into view below the sticky header, draws, and focuses it. */
    function moveTo(index: number, column: number): void {
      var rowTop = rowsOffset() + index * rowPx;
      var headPx = head.offsetHeight;
      if (rowTop < box.scrollTop + headPx) box.scrollTop = Math.max(0, rowTop - headPx);
      else if (rowTop + rowPx > box.scrollTop + box.clientHeight) box.scrollTop = rowTop + rowPx - box.clientHeight;
      top = box.scrollTop;
      draw();
      focusRow(spec!.key(shown[index]!), column);
    }

    box.addEventListener("scroll", () => {
      top = box.scrollTop;
      if (drawing) return;
      drawing = requestAnimationFrame(() => {
        drawing = 0;
        draw();
      });
    });
    body.addEventListener("keydown", (event) => {
      var step = STEPS[event.key];
      var row = (event.target as HTMLElement).closest("tr[data-index]");
      if (step === undefined || !row || !shown.length) return;
      event.preventDefault();
      var index = Math.min(shown.length - 1, Math.max(0, Number(row.getAttribute("data-index")) + step));
      var cell = (event.target as HTMLElement).closest("td");
      moveTo(index, cell ? Array.prototype.indexOf.call(row.children, cell) : 0);
    });
    input.addEventListener("input", () => {
      filter();
      box.scrollTop = 0;
      top = 0;
      draw();
    });

    return {
      root,
      update(next: ListSpec): void {
        var fresh = !spec || spec.headers.join() !== next.headers.join();
        spec = next;
        label.textContent = `Filter ${next.caption.toLowerCase()}`;
        caption.textContent = next.caption;
        if (fresh) {
          head.replaceChildren(el("tr", null, ...next.headers.map((h) => el("th", { scope: "col" }, h))));
          // Fixed columns: rows drawn later must not move them.
          columns.replaceChildren(
            ...next.widths.map((rem) => {
              var column = el("col");
              if (rem) column.style.width = `${rem}rem`;
              return column;
            }),
          );
          table.style.minWidth = `${next.widths.reduce((sum, rem) => sum + (rem || 8), 0)}rem`;
        }
        filter();
      },
      /** After the list was put back in the page: its scroll position again, and its rows. */
      settle(focus: { key: string; column: number } | null): void {
        box.scrollTop = top;
        draw();
        if (focus) focusRow(focus.key, focus.column);
      },
      focused,
      filterFocused: () => document.activeElement === input,
      input,
    };
  }

  /** The list `name`, showing `spec`'s items; the same element on every render. */
  function list(name: string, spec: ListSpec): HTMLElement {
    if (!spec.items.length && !(made[name] && made[name]!.input.value)) return el("p", { class: "empty" }, `No ${spec.caption.toLowerCase()}.`);
    var shown = made[name] || (made[name] = makeList(name));
    shown.update(spec);
    return shown.root;
  }

  /**
   * Call before a view replaces the lists' parent; call what it returns after: each list in the
   * page gets its scroll position and rows back, and the focus goes back where it was.
   */
  function keep(): () => void {
    var focus: Record<string, { row: { key: string; column: number } | null; filter: boolean }> = {};
    Object.keys(made).forEach((name) => {
      focus[name] = { row: made[name]!.focused(), filter: made[name]!.filterFocused() };
    });
    return () =>
      Object.keys(made).forEach((name) => {
        var shown = made[name]!;
        if (!shown.root.isConnected) return;
        var was = focus[name] || { row: null, filter: false };
        shown.settle(was.row);
        if (was.filter) shown.input.focus();
      });
  }

  return { list, keep };
}

export type BoardVirtual = ReturnType<typeof boardVirtual>;
