/**
 * The board page's DOM kit: building elements (text only, never markup), tables, buttons, a
 * rendered diff, and short forms of times and usage. Shipped as its own source text like
 * `boardClient` (client.ts), so it may use only DOM globals and keeps to ES2017.
 */

// biome-ignore lint/suspicious/noExplicitAny: tool answers are data, read where they are used.
export type Fields = Record<string, any>;
export type Child = Node | string | number | null | undefined | false;

export function boardDom() {
  function el(tag: string, attrs?: Fields | null, ...children: Child[]): HTMLElement {
    var node = document.createElement(tag);
    if (attrs)
      Object.keys(attrs).forEach((key) => {
        var value = attrs[key];
        if (value === undefined || value === null || value === false) return;
        if (key === "onclick") node.addEventListener("click", value);
        else if (key === "onsubmit") node.addEventListener("submit", value);
        else node.setAttribute(key, value === true ? "" : String(value));
      });
    children.forEach((child) => {
      if (child === null || child === undefined || child === false) return;
      node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
    });
    return node;
  }

  function when(iso: unknown): string {
    if (typeof iso !== "string") return "";
    var seconds = Math.round((Date.now() - Date.parse(iso)) / 1000);
    if (!(seconds >= 0)) return iso;
    if (seconds < 60) return `${seconds} s ago`;
    if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
    return `${Math.round(seconds / 3600)} h ago`;
  }

  /** A worker's or run's usage from the ledger: tokens and cost, "unpriced" where a turn had no known price. */
  function usageText(usage: Fields | undefined): string {
    if (!usage || !usage.tokens) return "";
    var cost = usage.cost_usd ? `$${Number(usage.cost_usd).toFixed(2)}` : "";
    return [`${usage.tokens} tokens`, cost, usage.unpriced_turns ? "unpriced turns" : ""].filter(Boolean).join(" \u00b7 ");
  }

  function firstLine(text: unknown): string {
    return typeof text === "string" ? text.split("\n")[0]!.slice(0, 160) : "";
  }

  function table(headers: string[], rows: HTMLElement[], caption: string): HTMLElement {
    if (!rows.length) return el("p", { class: "empty" }, `No ${caption.toLowerCase()}.`);
    return el(
      "table",
      null,
      el("caption", null, caption),
      el("thead", null, el("tr", null, ...headers.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", null, ...rows),
    );
  }

  function button(label: string, onclick: () => void, extra?: Fields): HTMLElement {
    return el("button", Object.assign({ type: "button", onclick: onclick }, extra || {}), label);
  }

  /** A table cell with a button that opens an item in the detail pane. */
  function openCell(what: string, name: string, open: () => void): HTMLElement {
    return el("td", null, button(name, open, { "aria-label": `Open ${what} ${name}` }));
  }

  function stateCell(value: string, note?: string): HTMLElement {
    return el("td", { class: `state-${value}` }, value + (note || ""));
  }

  /** A list of lines (warnings, conflicts), or nothing when there are none. */
  function lines(items: string[], label: string, className?: string): HTMLElement | null {
    if (!items.length) return null;
    return el("ul", { class: className || "lines", "aria-label": label }, ...items.map((item) => el("li", null, item)));
  }

  /** An agent's presence, as the Messages view shows it. */
  function presenceText(entry: Fields | undefined): string {
    if (!entry) return "";
    return entry.waiting ? "waiting for messages" : entry.active ? "active" : "away";
  }

  function diffView(text: string): HTMLElement {
    var pre = el("pre", { class: "diff", "aria-label": "diff" });
    text.split("\n").forEach((line) => {
      var kind =
        line.charAt(0) === "+" && line.indexOf("+++") !== 0
          ? "add"
          : line.charAt(0) === "-" && line.indexOf("---") !== 0
            ? "del"
            : line.indexOf("@@") === 0
              ? "hunk"
              : "";
      pre.appendChild(el("span", kind ? { class: kind } : null, `${line}\n`));
    });
    return pre;
  }

  return { el, when, usageText, firstLine, table, button, openCell, stateCell, lines, presenceText, diffView };
}

export type BoardDom = ReturnType<typeof boardDom>;
