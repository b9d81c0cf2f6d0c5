/** The console's page frame and shared bits (hono/jsx, server-rendered, one stylesheet, no scripts). */
import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';

export const STYLE = `
:root { --fg:#1d2330; --muted:#5d6778; --line:#d9dee7; --bg:#f6f7f9; --card:#fff; --accent:#2f5bd3; --ok:#1e7f4f; --warn:#9a6700; --bad:#b42318; --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
* { box-sizing: border-box; }
body { margin:0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); background:var(--bg); }
header.top { background:#141a26; color:#fff; padding:.6rem 1.5rem; display:flex; gap:1.5rem; align-items:center; flex-wrap:wrap; }
header.top a { color:#c9d4f2; text-decoration:none; } header.top a:hover, header.top a[aria-current=page] { color:#fff; text-decoration:underline; }
header.top .brand { font-weight:700; color:#fff; margin-right:1rem; }
main { max-width:1200px; margin:0 auto; padding:1.25rem 1.5rem 3rem; }
h1 { font-size:1.4rem; margin:.2rem 0 1rem; } h2 { font-size:1.1rem; margin:1.5rem 0 .5rem; }
a { color:var(--accent); }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:1rem 1.25rem; margin-bottom:1rem; }
table { width:100%; border-collapse:collapse; background:var(--card); }
th, td { text-align:left; padding:.45rem .6rem; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-size:.8rem; text-transform:uppercase; letter-spacing:.03em; color:var(--muted); }
td.num { text-align:right; } .muted { color:var(--muted); } .small { font-size:.85rem; }
.mono, pre, code { font-family:var(--mono); font-size:.85rem; }
pre { background:#0f1420; color:#e7ecf7; padding:.8rem 1rem; border-radius:6px; overflow:auto; max-height:32rem; white-space:pre-wrap; word-break:break-word; }
pre.light { background:#f0f2f6; color:var(--fg); }
.badge { display:inline-block; padding:.05rem .5rem; border-radius:999px; font-size:.8rem; font-weight:600; background:#e8ebf1; color:var(--fg); }
.badge.delivered, .badge.sent, .badge.done, .badge.ok { background:#dcf3e6; color:var(--ok); }
.badge.pending, .badge.processing, .badge.queued, .badge.sending { background:#fff1cc; color:var(--warn); }
.badge.failed, .badge.bounced, .badge.bounce, .badge.dropped, .badge.spamreport, .badge.bad { background:#fde4e1; color:var(--bad); }
.badge.unrouted, .badge.ignored { background:#e8ebf1; color:var(--muted); }
form.inline { display:inline; }
.filters { display:flex; gap:.5rem; flex-wrap:wrap; align-items:end; margin-bottom:1rem; }
label { display:block; font-weight:600; font-size:.9rem; margin:.6rem 0 .2rem; }
input[type=text], input[type=email], input[type=search], select, textarea { width:100%; padding:.45rem .55rem; border:1px solid #c3cad6; border-radius:6px; font:inherit; background:#fff; }
textarea { min-height:8rem; font-family:var(--mono); font-size:.85rem; }
.filters label { margin:0; } .filters input, .filters select { width:auto; }
.grid2 { display:grid; grid-template-columns: 1fr 1fr; gap:0 1.25rem; } @media (max-width: 800px) { .grid2 { grid-template-columns: 1fr; } }
button, .button { display:inline-block; white-space:nowrap; padding:.45rem .9rem; border-radius:6px; border:1px solid var(--accent); background:var(--accent); color:#fff; font:inherit; font-weight:600; cursor:pointer; text-decoration:none; }
button.secondary, .button.secondary { background:#fff; color:var(--accent); }
button.danger { background:var(--bad); border-color:var(--bad); }
.actions { display:flex; gap:.5rem; flex-wrap:wrap; align-items:center; margin:.5rem 0; }
dl.facts { display:grid; grid-template-columns: max-content 1fr; gap:.25rem 1rem; margin:0; } dl.facts dt { color:var(--muted); } dl.facts dd { margin:0; word-break:break-word; }
iframe.preview { width:100%; min-height:22rem; border:1px solid var(--line); border-radius:6px; background:#fff; }
.notice { padding:.6rem 1rem; border-radius:6px; margin-bottom:1rem; background:#e6efff; border:1px solid #b8cdf7; }
.notice.error { background:#fde4e1; border-color:#f3b8b0; }
details > summary { cursor:pointer; font-weight:600; margin:.4rem 0; }
.empty { padding:2rem; text-align:center; color:var(--muted); background:var(--card); border:1px dashed var(--line); border-radius:8px; }
`;

const NAV = [
  ['inbox', 'Inbox'],
  ['compose', 'Compose'],
  ['outbox', 'Outbox'],
  ['events', 'Events'],
] as const;

export function Layout(props: { title: string; section?: (typeof NAV)[number][0]; refresh?: number; children?: Child }) {
  return (
    <>
      {raw('<!doctype html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          {props.refresh ? <meta http-equiv="refresh" content={String(props.refresh)} /> : null}
          <title>{props.title} · Mailroom console</title>
          <style>{raw(STYLE)}</style>
        </head>
        <body>
          <header class="top">
            <a class="brand" href="/">Mailroom</a>
            {NAV.map(([key, label]) => (
              <a href={`/console/${key}`} aria-current={props.section === key ? 'page' : undefined}>
                {label}
              </a>
            ))}
            <a href="/">Apps</a>
          </header>
          <main>{props.children}</main>
        </body>
      </html>
    </>
  );
}

export function Badge(props: { value: string | null | undefined }) {
  return <span class={`badge ${props.value ?? ''}`}>{props.value ?? '—'}</span>;
}

export function Time(props: { value: Date | null | undefined }) {
  if (!props.value) return <span class="muted">—</span>;
  return <time datetime={props.value.toISOString()}>{props.value.toISOString().replace('T', ' ').slice(0, 19)}</time>;
}

/** A sandboxed preview of untrusted HTML: srcdoc is an escaped attribute, the frame may run nothing and load nothing remote. */
export function HtmlPreview(props: { html: string; title: string }) {
  const policy = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">`;
  return <iframe class="preview" sandbox="" title={props.title} srcdoc={policy + props.html} referrerpolicy="no-referrer" />;
}

export function Notice(props: { kind?: 'error'; children?: Child }) {
  return (
    <div class={`notice ${props.kind ?? ''}`} role={props.kind === 'error' ? 'alert' : 'status'}>
      {props.children}
    </div>
  );
}
