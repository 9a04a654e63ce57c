/** The tool card's stylesheet: system fonts only, light and dark (the host's theme wins over the OS's). */
export const WIDGET_CSS = `
:root{color-scheme:light dark;
--bg:#ffffff;--fg:#1d1d1f;--muted:#6b6b73;--line:#dcdce2;--soft:#f4f4f7;--code:#f6f8fa;
--ok:#1a7f37;--ok-bg:#e8f5ec;--bad:#cf222e;--bad-bg:#fdecee;--warn:#9a6700;--warn-bg:#fff6dd;--info:#0b62c4;--info-bg:#e9f2fd;
--add:#1a7f37;--add-bg:#e6ffec;--del:#cf222e;--del-bg:#ffebe9;--hunk:#0b62c4;--hunk-bg:#eef4fe;--meta:#57606a}
@media (prefers-color-scheme:dark){:root:not([data-theme=light]){
--bg:#1e1f22;--fg:#e6e6ea;--muted:#a0a0aa;--line:#3a3b41;--soft:#27282c;--code:#17181b;
--ok:#4ac26b;--ok-bg:#1b3324;--bad:#ff7b72;--bad-bg:#3d1f22;--warn:#e3b341;--warn-bg:#3a3016;--info:#6cb6ff;--info-bg:#1c2c44;
--add:#7ee787;--add-bg:#1c3325;--del:#ffa198;--del-bg:#3f1d20;--hunk:#79c0ff;--hunk-bg:#1d2a3d;--meta:#9da7b3}}
:root[data-theme=dark]{
--bg:#1e1f22;--fg:#e6e6ea;--muted:#a0a0aa;--line:#3a3b41;--soft:#27282c;--code:#17181b;
--ok:#4ac26b;--ok-bg:#1b3324;--bad:#ff7b72;--bad-bg:#3d1f22;--warn:#e3b341;--warn-bg:#3a3016;--info:#6cb6ff;--info-bg:#1c2c44;
--add:#7ee787;--add-bg:#1c3325;--del:#ffa198;--del-bg:#3f1d20;--hunk:#79c0ff;--hunk-bg:#1d2a3d;--meta:#9da7b3}
*{box-sizing:border-box}
html,body{margin:0;background:var(--bg);color:var(--fg)}
body{font:13px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",sans-serif;padding:10px}
.card{border:1px solid var(--line);border-radius:10px;padding:10px 12px;overflow:hidden}
.head{display:flex;align-items:center;gap:8px;flex-wrap:wrap;margin:0 0 8px}
.title{font-weight:600;font-size:14px;margin:0;overflow-wrap:anywhere}
.kind{font-size:11px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.badge{display:inline-block;font-size:11px;font-weight:600;border-radius:999px;padding:1px 8px;background:var(--soft);color:var(--muted);white-space:nowrap}
.badge.ok{background:var(--ok-bg);color:var(--ok)}.badge.bad{background:var(--bad-bg);color:var(--bad)}
.badge.warn{background:var(--warn-bg);color:var(--warn)}.badge.info{background:var(--info-bg);color:var(--info)}
.section{margin:10px 0 0}
.label{font-size:11px;font-weight:600;color:var(--muted);text-transform:uppercase;letter-spacing:.04em;margin:0 0 4px}
.text{white-space:pre-wrap;overflow-wrap:anywhere;margin:0}
.muted{color:var(--muted)}
table.kv{border-collapse:collapse;width:100%}
table.kv td{padding:2px 0;vertical-align:top;overflow-wrap:anywhere}
table.kv td.k{color:var(--muted);padding-right:12px;white-space:nowrap;width:1%}
table.kv table.kv{margin:0}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12px}
pre{margin:0;background:var(--code);border:1px solid var(--line);border-radius:6px;padding:6px 8px;white-space:pre-wrap;overflow-wrap:anywhere;max-height:360px;overflow:auto}
.diff{background:var(--code);border:1px solid var(--line);border-radius:6px;max-height:420px;overflow:auto;padding:4px 0}
.diff div{white-space:pre-wrap;overflow-wrap:anywhere;padding:0 8px;min-height:1.45em}
.diff .add{background:var(--add-bg);color:var(--add)}.diff .del{background:var(--del-bg);color:var(--del)}
.diff .hunk{background:var(--hunk-bg);color:var(--hunk)}.diff .meta{color:var(--meta);font-weight:600}
ul.list{margin:0;padding:0 0 0 18px}ul.list li{margin:1px 0;overflow-wrap:anywhere}
.worker{border-top:1px solid var(--line);padding:8px 0 0;margin:8px 0 0}
.worker:first-of-type{border-top:0;margin-top:0;padding-top:0}
.row{display:flex;gap:8px;align-items:center;flex-wrap:wrap}
.facts{display:flex;gap:4px 14px;flex-wrap:wrap;color:var(--muted);font-size:12px;margin:2px 0 0}
.facts b{color:var(--fg);font-weight:500}
.alert{border-radius:8px;padding:8px 10px;margin:0}
.alert.bad{background:var(--bad-bg)}.alert.warn{background:var(--warn-bg)}
.next{margin:8px 0 0}.next b{color:var(--fg)}
`;
