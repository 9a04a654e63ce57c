/**
 * The tool card's script, run in the host's sandboxed frame. It speaks the MCP Apps `ui/*`
 * bridge (JSON-RPC over postMessage: ui/initialize, then ui/notifications/tool-result) and reads
 * ChatGPT's legacy `window.openai.toolOutput` (+ the `openai:set_globals` event). It renders with
 * DOM nodes and textContent only (tool output is data, never markup), calls no tools and fetches
 * nothing.
 *
 * `toolCard` is type-checked like the rest of src/ and shipped as its own source text
 * (`Function.prototype.toString`), which Bun and Deno give with the types stripped, from source
 * or from the compiled binary: one path, no build step to skip when running from a checkout. So
 * the function must use only what the frame has (DOM globals), never anything of this module but
 * types, and keep to ES2017 syntax, which TypeScript and Bun leave as written.
 */

/** A tool result's fields: whatever a tool returned, checked where it is read (`isObj`, `typeof`). */
type Fields = Record<string, any>;
type Child = Node | string | number | null | undefined | false;

/** What ChatGPT's Apps SDK adds to the frame's window. */
interface OpenAIWindow extends Window {
  openai?: { theme?: unknown; toolOutput?: unknown; toolResponseMetadata?: unknown; notifyIntrinsicHeight?: (height: number) => void };
}

function toolCard(): void {
  var PROTOCOL_VERSION = "2025-11-21";
  var root = document.getElementById("root") as HTMLElement;
  var host = window as OpenAIWindow;
  var embedded = window.parent && window.parent !== window;
  var nextId = 1;
  var initId: number | null = null;
  var initialized = false;
  var rendered = false;

  function el(tag: string, cls?: string | null, children?: Child[]): HTMLElement {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    (children || []).forEach((child) => {
      if (child === null || child === undefined || child === false) return;
      node.appendChild(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
    });
    return node;
  }
  function isObj(v: unknown): v is Fields {
    return v !== null && typeof v === "object" && !Array.isArray(v);
  }
  function str(v: unknown): string {
    return v === null || v === undefined ? "" : String(v);
  }
  function plural(n: number, word: string): string {
    return n + " " + word + (n === 1 ? "" : "s");
  }
  function bytes(n: unknown): string {
    if (typeof n !== "number") return str(n);
    if (n < 1024) return plural(n, "byte");
    if (n < 1048576) return (n / 1024).toFixed(1) + " KB";
    return (n / 1048576).toFixed(1) + " MB";
  }
  function short(v: unknown): string {
    var s = str(v);
    return /^[0-9a-f]{40}$/.test(s) ? s.slice(0, 10) : s;
  }
  function when(v: unknown): string {
    var s = str(v);
    return s
      .replace("T", " ")
      .replace(/\.\d+Z$/, "Z")
      .replace(/Z$/, " UTC");
  }
  function badge(text: string, tone?: string): HTMLElement {
    return el("span", "badge" + (tone ? " " + tone : ""), [text]);
  }
  function toneOf(value: unknown): string {
    var state = str(value);
    if (/^(idle|succeeded|ready|done|ok|created)$/.test(state)) return "ok";
    if (/^(running|starting|pending)$/.test(state)) return "info";
    if (/^(failed|error|interrupted|refused)$/.test(state)) return "bad";
    if (/^(cancelled|timed_out|stopped)$/.test(state)) return "warn";
    return "";
  }
  function head(kind: string, title: string, badges?: Child[]): HTMLElement {
    return el("div", "head", ([el("span", "kind", [kind]), el("span", "title", [title])] as Child[]).concat(badges || []));
  }
  function section(label: string | null, body: Child): HTMLElement {
    return el("div", "section", [label ? el("div", "label", [label]) : null, body]);
  }
  function facts(pairs: [string, unknown][]): HTMLElement | null {
    var items = pairs.filter((p) => p[1] !== undefined && p[1] !== null && p[1] !== "");
    return items.length
      ? el(
          "div",
          "facts",
          items.map((p) => el("span", null, [p[0] + " ", el("b", null, [str(p[1])])])),
        )
      : null;
  }
  function text(value: unknown): HTMLElement {
    return el("p", "text", [str(value)]);
  }
  function pre(value: unknown): HTMLElement {
    return el("pre", null, [str(value)]);
  }
  function list(items: unknown[] | undefined, format?: (item: any) => string): HTMLElement {
    if (!items || !items.length) return el("p", "text muted", ["none"]);
    return el(
      "ul",
      "list",
      items.map((item) => el("li", null, [format ? format(item) : typeof item === "string" ? item : JSON.stringify(item)])),
    );
  }

  function diffView(diff: unknown): HTMLElement {
    var box = el("div", "diff mono");
    str(diff)
      .replace(/\n$/, "")
      .split("\n")
      .forEach((line) => {
        var cls = "";
        if (/^(diff --git|index |new file|deleted file|similarity|rename |old mode|new mode|Binary files|--- |\+\+\+ )/.test(line)) cls = "meta";
        else if (line.indexOf("@@") === 0) cls = "hunk";
        else if (line.charAt(0) === "+") cls = "add";
        else if (line.charAt(0) === "-") cls = "del";
        box.appendChild(el("div", cls, [line]));
      });
    return box;
  }
  function diffCounts(diff: unknown): HTMLElement[] {
    var add = 0,
      del = 0;
    str(diff)
      .split("\n")
      .forEach((line) => {
        if (line.charAt(0) === "+" && line.indexOf("+++ ") !== 0) add++;
        else if (line.charAt(0) === "-" && line.indexOf("--- ") !== 0) del++;
      });
    return [badge("+" + add, "ok"), badge("\u2212" + del, "bad")];
  }

  function kv(value: any, depth?: number): Node {
    depth = depth || 0;
    if (value === null || value === undefined) return el("span", "muted", ["\u2014"]);
    if (typeof value === "boolean") return document.createTextNode(value ? "yes" : "no");
    if (typeof value === "string") {
      if (value.indexOf("\n") >= 0) return pre(value);
      return document.createTextNode(value === "" ? "\u2014" : value);
    }
    if (typeof value !== "object") return document.createTextNode(String(value));
    if (Array.isArray(value)) {
      if (!value.length) return el("span", "muted", ["none"]);
      if (value.every((v) => v === null || typeof v !== "object")) return document.createTextNode(value.map(str).join(", "));
      if (depth >= 2) return pre(JSON.stringify(value, null, 2));
      return el(
        "div",
        null,
        value
          .slice(0, 50)
          .map((v) => el("div", "section", [kv(v, depth + 1)]))
          .concat(value.length > 50 ? [el("p", "text muted", ["\u2026 " + (value.length - 50) + " more"])] : []),
      );
    }
    var keys = Object.keys(value);
    if (!keys.length) return el("span", "muted", ["\u2014"]);
    if (depth >= 3) return pre(JSON.stringify(value, null, 2));
    return el("table", "kv", [
      el(
        "tbody",
        null,
        keys.map((key) => el("tr", null, [el("td", "k", [key.replace(/_/g, " ")]), el("td", null, [kv(value[key], depth + 1)])])),
      ),
    ]);
  }

  function workerHead(w: Fields, kind?: string): HTMLElement {
    var owner = w.owned_by_you ? "you" : w.owner;
    return el("div", null, [
      head(kind || "Worker", str(w.name), [badge(str(w.state), toneOf(w.state))]),
      facts([
        ["agent", w.agent],
        ["mode", w.workspace_mode],
        ["branch", w.worktree && w.worktree.branch],
        ["turns", w.turns],
        ["owner", owner],
      ]),
    ]);
  }
  function workerBody(w: Fields): HTMLElement {
    return el("div", null, [
      section("Report", w.report ? text(w.report) : el("p", "text muted", ["no report yet"])),
      w.changed_files && w.changed_files.length ? section("Changed files", list(w.changed_files)) : null,
    ]);
  }
  function renderTeam(sc: Fields): Child[] {
    var workers = sc.workers || [];
    if (!workers.length) return [head("Team", "No workers"), text(sc.team_report)];
    return [head("Team report", plural(workers.length, "worker"))].concat(
      workers.map((w: Fields) =>
        el("div", "worker", [
          el("div", "row", [el("span", "title", [str(w.name)]), badge(str(w.state), toneOf(w.state))]),
          facts([
            ["agent", w.agent],
            ["mode", w.workspace_mode],
            ["files changed", w.changed_files ? w.changed_files.length : undefined],
            ["last activity", w.last_activity && when(w.last_activity)],
          ]),
          w.report ? el("p", "text section", [w.report]) : el("p", "text muted section", ["no report yet"]),
        ]),
      ),
    );
  }
  function renderInspect(sc: Fields): Child[] {
    var w = sc.worker,
      d = sc.details || {},
      view = str(sc.view);
    var out: Child[] = [workerHead(w, "Worker \u00b7 " + view.replace(/_/g, " "))];
    if (view === "report") out.push(workerBody(w));
    else if (view === "status") {
      out.push(
        facts([
          ["turn", d.turn_state],
          ["job", d.job_id],
        ]),
      );
      out.push(
        section(
          "Latest",
          list(d.events, (e) => (isObj(e) ? str(e.text) : str(e))),
        ),
      );
    } else if (view === "changes") {
      out.push(
        section(
          "Changed files",
          list(d.files, (f) => (isObj(f) ? str(f.path) + (f.status ? " (" + f.status + ")" : "") : str(f))),
        ),
      );
    } else if (view === "diff") {
      out.push(
        el(
          "div",
          "section row",
          [el("span", "mono", [str(d.file_path)]), badge(str(d.status), "")]
            .concat(d.binary ? [badge("binary", "warn")] : diffCounts(d.diff))
            .concat(d.truncated ? [badge("truncated", "warn")] : []),
        ),
      );
      out.push(section(null, d.binary ? el("p", "text muted", ["binary file, not shown"]) : diffView(d.diff)));
    } else if (view === "file") {
      out.push(section(str(d.file_path), pre(d.content)));
    } else if (view === "integration_preview") out.push(integration(d, false));
    else out.push(section("Details", kv(d)));
    return out;
  }
  function integration(d: Fields, done: boolean): HTMLElement {
    var refusals = d.refusals || [];
    var ready = done || (d.ready && !refusals.length);
    return el("div", null, [
      el("div", "section row", [
        badge(done ? "integrated" : ready ? "ready to integrate" : "would be refused", ready ? "ok" : "bad"),
        d.base_moved ? badge("base moved", "warn") : null,
        d.committed === false ? badge("not committed", "") : null,
      ]),
      refusals.length
        ? section(
            "Refused because",
            list(refusals, (r) => (isObj(r) ? str(r.message || r.reason || r.code || JSON.stringify(r)) : str(r))),
          )
        : null,
      section("Files", list(d.files)),
      d.skipped_files && d.skipped_files.length ? section("Skipped", list(d.skipped_files)) : null,
      d.dirty_base_files && d.dirty_base_files.length ? section("Uncommitted in the base checkout", list(d.dirty_base_files)) : null,
      facts([
        ["patch", d.patch_bytes !== undefined ? bytes(d.patch_bytes) : undefined],
        ["base", short(d.base_revision || d.base_head)],
      ]),
    ]);
  }
  function artifactBlock(a: Fields): HTMLElement {
    return el("div", "worker", [
      el("div", "row", [
        el("span", "title", [str(a.file_name || a.file_path || a.id)]),
        a.label ? badge(str(a.label), "info") : null,
        a.unpacked ? badge("unpacked", "") : null,
      ]),
      facts([
        ["id", a.id],
        ["size", a.bytes !== undefined ? bytes(a.bytes) : undefined],
        ["files", a.file_count],
        ["source", a.source],
        ["added", a.created_at && when(a.created_at)],
      ]),
    ]);
  }
  function renderArtifacts(sc: Fields): Child[] {
    var action = str(sc.action).replace(/_/g, " ");
    if (sc.removed !== undefined && !sc.artifact) return [head("Artifact inbox", action), text(sc.removed ? "Removed from the inbox." : "Nothing removed.")];
    if (Array.isArray(sc.artifacts)) {
      if (!sc.artifacts.length) return [head("Artifact inbox", "Empty"), el("p", "text muted", ["No artifacts yet."])];
      return [head("Artifact inbox", plural(sc.artifacts.length, "artifact"))].concat(sc.artifacts.map(artifactBlock));
    }
    var a = sc.artifact || {};
    var out = [head("Artifact \u00b7 " + action, str(a.file_name || a.file_path || a.id)), artifactBlock(a)];
    if (typeof sc.content === "string") out.push(section(str(a.file_path), pre(sc.content)));
    else if (Array.isArray(a.files) && a.files.length)
      out.push(
        section(
          "Files",
          list(a.files.slice(0, 50), (f) => (isObj(f) ? str(f.path) + " (" + bytes(f.bytes) + ")" : str(f))),
        ),
      );
    return out;
  }
  function renderJob(sc: Fields): Child[] {
    var r = sc.result || {};
    var out = [
      head(str(sc.kind) + " job", str(sc.job_id), [badge(str(sc.state), toneOf(sc.state))]),
      facts([
        ["agent", sc.agent],
        ["access", sc.access],
        ["branch", sc.worktree && sc.worktree.branch],
        ["session", sc.session_id],
        ["exit", sc.exit && sc.exit.code !== undefined ? sc.exit.code : undefined],
      ]),
    ];
    if (r.final_message) out.push(section("Final message", text(r.final_message)));
    if (r.error) out.push(section("Error", text(isObj(r.error) ? r.error.message || JSON.stringify(r.error) : r.error)));
    if (r.changed_files) out.push(section("Changed files", list(r.changed_files)));
    if (r.commands && r.commands.length)
      out.push(
        section(
          "Commands",
          list(r.commands, (c) => (isObj(c) ? str(c.command || JSON.stringify(c)) : str(c))),
        ),
      );
    if (sc.events && sc.events.length)
      out.push(
        section(
          "Progress",
          list(sc.events.slice(-10), (e) => (isObj(e) ? str(e.text) : str(e))),
        ),
      );
    return out;
  }
  function renderCommand(sc: Fields): Child[] {
    var outcome = sc.timed_out
      ? badge("timed out", "warn")
      : sc.exit_code === null
        ? badge("stopped by " + str(sc.signal), "warn")
        : badge("exit " + sc.exit_code, sc.exit_code === 0 ? "ok" : "bad");
    return [
      head("Command", "$ " + str(sc.command), [outcome]),
      facts([
        ["mode", sc.mode],
        ["cwd", sc.cwd || "."],
        ["took", sc.duration_ms !== undefined ? sc.duration_ms + " ms" : undefined],
      ]),
      section("stdout", sc.stdout ? pre(sc.stdout) : el("p", "text muted", ["(empty)"])),
      sc.stderr ? section("stderr", pre(sc.stderr)) : null,
      sc.truncated ? el("p", "text muted section", ["Output truncated."]) : null,
    ];
  }
  function renderWrite(sc: Fields): Child[] {
    var status =
      sc.created !== undefined ? badge(sc.created ? "created" : "replaced", sc.created ? "ok" : "info") : badge(plural(sc.replacements, "replacement"), "info");
    return [
      head(sc.created !== undefined ? "File written" : "File edited", str(sc.path), [status].concat(diffCounts(sc.diff))),
      facts([["size", bytes(sc.bytes)]]),
      section(null, diffView(sc.diff)),
      sc.diff_truncated ? el("p", "text muted section", ["Diff truncated."]) : null,
    ];
  }
  function renderDiff(sc: Fields, d: Fields): Child[] {
    var path = d.file_path || d.path || (d.files && d.files.length === 1 ? d.files[0].path : "");
    return [
      head(
        "Diff",
        str(path) || "changes",
        (d.status ? [badge(str(d.status), "")] : [])
          .concat(d.binary ? [badge("binary", "warn")] : diffCounts(d.diff))
          .concat(d.truncated ? [badge("truncated", "warn")] : []),
      ),
      facts([
        ["job", sc.job_id],
        ["base", short(d.base_commit)],
        ["ref", d.ref],
      ]),
      section(null, d.binary ? el("p", "text muted", ["binary file, not shown"]) : d.diff ? diffView(d.diff) : el("p", "text muted", ["No changes."])),
    ];
  }
  var ERROR_TITLES: Record<string, string> = { repo_busy: "Repository busy", takeover_required: "Belongs to another session" };
  function renderError(e: Fields): Child[] {
    var code = str(e.code || "error");
    var tone = code === "repo_busy" || code === "takeover_required" ? "warn" : "bad";
    var details = isObj(e.details) ? e.details : null;
    var holder =
      code === "repo_busy" && details
        ? facts([
            ["held by", details.client_ref],
            ["running", details.tool],
            ["since", details.since && when(details.since)],
            ["host", details.hostname],
          ])
        : null;
    return [
      head("Error", ERROR_TITLES[code] || code.replace(/_/g, " "), [badge(code, tone)]),
      el("p", "alert text " + tone, [str(e.message)]),
      holder,
      e.next ? el("p", "text next", [el("b", null, ["Next: "]), str(e.next)]) : null,
      details && !holder ? section("Details", kv(details)) : null,
    ];
  }
  function textOf(result: Fields): string {
    return (result.content || []).map((b: Fields | null) => (b && b.type === "text" ? str(b.text) : "")).join("\n");
  }

  function bodyFor(result: Fields): Child[] {
    var meta = isObj(result._meta) ? result._meta : {};
    if (isObj(meta["patchbay/error"])) return renderError(meta["patchbay/error"]);
    var sc = result.structuredContent;
    if (result.isError) return renderError({ code: "error", message: textOf(result) || "The tool failed." });
    if (!isObj(sc)) {
      const t = textOf(result);
      return [head("Result", "patchbay"), t ? text(t) : el("p", "text muted", ["No result."])];
    }
    if (Array.isArray(sc.workers) && typeof sc.team_report === "string") return renderTeam(sc);
    if (isObj(sc.worker) && typeof sc.view === "string" && isObj(sc.details)) return renderInspect(sc);
    if (isObj(sc.worker) && Array.isArray(sc.files) && typeof sc.committed === "boolean") return [workerHead(sc.worker, "Integrated"), integration(sc, true)];
    if (typeof sc.worker_id === "string" && typeof sc.state === "string") return [workerHead(sc), workerBody(sc)];
    if (typeof sc.action === "string" && (sc.artifact || sc.artifacts || sc.removed !== undefined)) return renderArtifacts(sc);
    if (typeof sc.job_id === "string" && typeof sc.state === "string" && typeof sc.kind === "string") return renderJob(sc);
    if (typeof sc.command === "string" && "exit_code" in sc) return renderCommand(sc);
    if (typeof sc.diff === "string" && typeof sc.path === "string" && (sc.created !== undefined || sc.replacements !== undefined)) return renderWrite(sc);
    if (typeof sc.diff === "string") return renderDiff(sc, sc);
    if (isObj(sc.diff) && typeof sc.diff.diff === "string") return renderDiff(sc, sc.diff);
    return renderGeneric(sc);
  }
  function renderGeneric(sc: unknown): Child[] {
    return [head("Result", "patchbay"), kv(sc)];
  }

  function render(result: unknown): void {
    if (!isObj(result)) return;
    var children: Child[];
    try {
      children = bodyFor(result);
    } catch (error) {
      children = renderGeneric(result.structuredContent || { result: textOf(result) });
    }
    root.textContent = "";
    root.appendChild(el("div", "card", children));
    rendered = true;
    document.documentElement.setAttribute("data-rendered", "true");
    sizeChanged();
  }
  function waiting(message: string): void {
    if (rendered) return;
    root.textContent = "";
    root.appendChild(el("div", "card", [el("p", "text muted", [message])]));
  }

  function applyTheme(theme: unknown): void {
    if (theme === "light" || theme === "dark") document.documentElement.setAttribute("data-theme", theme);
  }
  function applyContext(context: unknown): void {
    if (isObj(context)) applyTheme(context.theme);
  }
  function post(message: Fields): void {
    if (embedded) window.parent.postMessage(message, "*");
  }
  function respond(id: unknown, result: Fields): void {
    post({ jsonrpc: "2.0", id: id, result: result });
  }
  var lastHeight = -1;
  function sizeChanged(): void {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === lastHeight) return;
    lastHeight = height;
    if (initialized)
      post({ jsonrpc: "2.0", method: "ui/notifications/size-changed", params: { width: Math.ceil(document.documentElement.scrollWidth), height: height } });
    if (host.openai && typeof host.openai.notifyIntrinsicHeight === "function") host.openai.notifyIntrinsicHeight(height);
  }

  window.addEventListener("message", (event) => {
    if (event.source !== window.parent) return;
    var m = event.data;
    if (!isObj(m) || m.jsonrpc !== "2.0") return;
    if (m.method === undefined) {
      if (m.id === initId && isObj(m.result)) {
        applyContext(m.result.hostContext);
        post({ jsonrpc: "2.0", method: "ui/notifications/initialized", params: {} });
        initialized = true;
        lastHeight = -1;
        sizeChanged();
      }
      return;
    }
    switch (m.method) {
      case "ui/notifications/tool-result":
        render(m.params);
        break;
      case "ui/notifications/tool-input":
        waiting("Running\u2026");
        break;
      case "ui/notifications/tool-cancelled":
        waiting("Cancelled.");
        break;
      case "ui/notifications/host-context-changed":
        applyContext(m.params);
        break;
      case "ui/resource-teardown":
      case "ping":
        if (m.id !== undefined) respond(m.id, {});
        break;
      default:
        if (m.id !== undefined) post({ jsonrpc: "2.0", id: m.id, error: { code: -32601, message: "Method not found: " + m.method } });
    }
  });

  function fromOpenAI(): void {
    var o = host.openai;
    if (!isObj(o)) return;
    applyTheme(o.theme);
    var meta = isObj(o.toolResponseMetadata) ? o.toolResponseMetadata : undefined;
    if (o.toolOutput === null || o.toolOutput === undefined) {
      if (!(meta && meta["patchbay/error"])) return;
    }
    render({ structuredContent: o.toolOutput, _meta: meta, isError: !!(meta && meta["patchbay/error"]) });
  }
  window.addEventListener("openai:set_globals", fromOpenAI);

  waiting("Waiting for the result\u2026");
  if (typeof ResizeObserver === "function") new ResizeObserver(sizeChanged).observe(document.body);
  fromOpenAI();
  if (embedded) {
    initId = nextId++;
    post({
      jsonrpc: "2.0",
      id: initId,
      method: "ui/initialize",
      params: { protocolVersion: PROTOCOL_VERSION, appInfo: { name: "patchbay-tool-card", version: "2" }, appCapabilities: {} },
    });
  }
}

/** The card's script as the page embeds it: strict, as the string it replaces was. */
export const WIDGET_SCRIPT = `"use strict";\n(${toolCard.toString()})();\n`;
