/**
 * The console's one stylesheet, served from `<base>/assets/console.css` (CSP: styles only from 'self'). It started as
 * the sample apps' kit stylesheet; the console carries its own copy so the package needs nothing private. Plain CSS,
 * no build: long addresses wrap or are cut with an ellipsis instead of pushing the page sideways.
 */
export const CONSOLE_CSS = `
:root { --ink:#1d2330; --muted:#5d6778; --line:#dde2ea; --bg:#f5f6f8; --card:#fff; --accent:#2f5bd3; --accent-ink:#fff;
  --ok:#1e7f4f; --ok-bg:#dcf3e6; --warn:#8a5a00; --warn-bg:#fff1cc; --bad:#b42318; --bad-bg:#fde4e1; --info-bg:#e6efff;
  --bar:#141a26; --bar-ink:#c9d4f2; --radius:8px;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", sans-serif;
  --serif: Charter, "Bitstream Charter", "Sitka Text", Cambria, Georgia, serif;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin:0; min-height:100vh; display:flex; flex-direction:column; font:15px/1.55 var(--sans); color:var(--ink); background:var(--bg); }
a { color:var(--accent); text-underline-offset:2px; }
img { max-width:100%; height:auto; }
h1, h2, h3 { line-height:1.25; letter-spacing:-.01em; }
h1 { font-size:1.55rem; margin:.25rem 0 1rem; } h2 { font-size:1.15rem; margin:1.75rem 0 .6rem; } h3 { font-size:1rem; margin:1rem 0 .4rem; }
p { margin:.6rem 0; }
code, pre, .mono { font-family:var(--mono); font-size:.85em; }
code { background:#eef1f5; padding:.05rem .3rem; border-radius:4px; overflow-wrap:anywhere; }
pre { background:#eef1f5; padding:.75rem 1rem; border-radius:6px; overflow:auto; white-space:pre-wrap; overflow-wrap:anywhere; }
pre.dark { background:#0f1420; color:#e7ecf7; max-height:32rem; }
.muted, .meta { color:var(--muted); } .small, .meta { font-size:.85rem; }
.address { overflow-wrap:anywhere; }
.clip { display:inline-block; max-width:100%; overflow:hidden; text-overflow:ellipsis; white-space:nowrap; vertical-align:bottom; }

/* frame: the host's links (optional), the console bar, the page */
.suite { background:#0b0f17; font-size:.8rem; }
.suite .wrap { display:flex; gap:.25rem 1rem; flex-wrap:wrap; align-items:center; padding-top:.3rem; padding-bottom:.3rem; }
.suite a { color:#9aa6c2; text-decoration:none; } .suite a:hover, .suite a[aria-current] { color:#fff; }
.appbar { background:var(--bar); color:#fff; }
.appbar .wrap { display:flex; gap:.5rem 1.25rem; align-items:center; flex-wrap:wrap; padding-top:.65rem; padding-bottom:.65rem; }
.appbar .brand { font-weight:700; font-size:1.05rem; color:#fff; text-decoration:none; display:flex; gap:.5rem; align-items:center; }
.appbar .brand img { width:22px; height:22px; }
.appbar nav { display:flex; gap:.25rem 1rem; flex-wrap:wrap; }
.appbar nav a { color:var(--bar-ink); text-decoration:none; }
.appbar nav a:hover, .appbar nav a[aria-current=page] { color:#fff; text-decoration:underline; text-decoration-thickness:2px; text-underline-offset:6px; }
.appbar .account { margin-left:auto; display:flex; gap:.75rem; align-items:center; flex-wrap:wrap; color:var(--bar-ink); font-size:.9rem; }
.appbar .account a { color:var(--bar-ink); } .appbar .account form { margin:0; }
.appbar .account button { padding:.25rem .7rem; margin:0; background:transparent; border-color:#4a5670; color:#fff; }
.wrap { width:100%; max-width:1200px; margin:0 auto; padding-left:1.5rem; padding-right:1.5rem; }
body.narrow .wrap { max-width:820px; }
main.wrap { flex:1; padding-top:1.5rem; padding-bottom:3rem; }
footer.site { border-top:1px solid var(--line); color:var(--muted); font-size:.85rem; }
footer.site .wrap { padding-top:1rem; padding-bottom:1.5rem; }
.page-head { display:flex; gap:.5rem 1rem; align-items:baseline; justify-content:space-between; flex-wrap:wrap; margin-bottom:.75rem; }
.page-head h1 { margin:0; } .page-head .sub { color:var(--muted); margin:.25rem 0 0; }
.back { margin:0 0 .5rem; font-size:.9rem; }

/* blocks */
.card { background:var(--card); border:1px solid var(--line); border-radius:var(--radius); padding:1rem 1.25rem; margin:0 0 1rem; }
.card > :first-child { margin-top:0; } .card > :last-child { margin-bottom:0; }
.flash { padding:.6rem 1rem; border-radius:6px; margin:0 0 1rem; background:var(--info-bg); border:1px solid #b8cdf7; }
.flash.ok { background:var(--ok-bg); border-color:#a6dcbd; } .flash.warn { background:var(--warn-bg); border-color:#f0d98a; }
.flash.error { background:var(--bad-bg); border-color:#f3b8b0; }
.empty { padding:2rem 1rem; text-align:center; color:var(--muted); background:var(--card); border:1px dashed var(--line); border-radius:var(--radius); margin:0 0 1rem; }
.badge { display:inline-block; padding:.05rem .55rem; border-radius:999px; font-size:.78rem; font-weight:600; background:#e8ebf1; color:var(--ink); white-space:nowrap; vertical-align:middle; }
.badge.ok, .badge.delivered, .badge.sent, .badge.done, .badge.open, .badge.published, .badge.active { background:var(--ok-bg); color:var(--ok); }
.badge.warn, .badge.pending, .badge.processing, .badge.queued, .badge.sending, .badge.draft, .badge.scheduled, .badge.suspended { background:var(--warn-bg); color:var(--warn); }
.badge.bad, .badge.failed, .badge.bounced, .badge.bounce, .badge.dropped, .badge.spamreport, .badge.disabled, .badge.throttled { background:var(--bad-bg); color:var(--bad); }
.badge.muted, .badge.unrouted, .badge.ignored, .badge.closed, .badge.unsubscribed { background:#e8ebf1; color:var(--muted); }
dl.facts { display:grid; grid-template-columns:max-content minmax(0, 1fr); gap:.3rem 1rem; margin:0; }
dl.facts dt { color:var(--muted); } dl.facts dd { margin:0; overflow-wrap:anywhere; }
details > summary { cursor:pointer; font-weight:600; margin:.4rem 0; }

/* tables: full width, scroll inside their box on a phone, long values wrap */
.table { width:100%; overflow-x:auto; margin:0 0 1rem; background:var(--card); border:1px solid var(--line); border-radius:var(--radius); }
table { width:100%; border-collapse:collapse; }
th, td { text-align:left; padding:.5rem .7rem; border-bottom:1px solid var(--line); vertical-align:top; }
tr:last-child td { border-bottom:0; }
th { font-size:.75rem; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); font-weight:600; background:#fafbfc; }
td.num, th.num { text-align:right; } td.wrap-anywhere, td .address { overflow-wrap:anywhere; }
td.controls { white-space:nowrap; }
/* a long address (reply+<token>@…) in a table cell: <span class="clip" title=…> cuts it with an ellipsis (the td itself
   must not clip: that would clip its collapsed borders too) */
td > .clip { max-width:14rem; } .nowrap { white-space:nowrap; } td select, td input { width:auto; }

/* forms */
form { margin:0 0 1rem; } form.inline { display:inline; margin:0; }
label { display:block; font-weight:600; font-size:.9rem; margin:.75rem 0 .3rem; }
.field { margin:0 0 .9rem; }
.field > label { margin:0 0 .3rem; }
.field .hint { color:var(--muted); font-size:.82rem; margin:.25rem 0 0; }
input[type=text], input[type=email], input[type=password], input[type=search], input[type=url], input[type=number], input:not([type]), select, textarea {
  width:100%; max-width:100%; padding:.5rem .6rem; border:1px solid #c3cad6; border-radius:6px; font:inherit; background:#fff; color:var(--ink); }
input:focus, select:focus, textarea:focus, button:focus-visible, a:focus-visible { outline:2px solid var(--accent); outline-offset:1px; }
textarea { min-height:8rem; font-family:var(--mono); font-size:.85rem; line-height:1.45; }
textarea.tall { min-height:22rem; }
.row { display:flex; gap:.75rem 1rem; flex-wrap:wrap; align-items:flex-end; }
.row > .field { flex:1 1 12rem; margin:0; }
.row > .field.shrink { flex:0 1 auto; }
.actions { display:flex; gap:.5rem; flex-wrap:wrap; align-items:center; margin:.75rem 0; }
.actions form { margin:0; }
button, .button { display:inline-block; white-space:nowrap; padding:.5rem 1rem; border-radius:6px; border:1px solid var(--accent); background:var(--accent); color:var(--accent-ink);
  font:inherit; font-weight:600; cursor:pointer; text-decoration:none; line-height:1.2; }
button:hover, .button:hover { filter:brightness(1.08); }
button.secondary, .button.secondary { background:#fff; color:var(--accent); border-color:#b9c6e8; }
button.danger { background:var(--bad); border-color:var(--bad); }
button.small, .button.small { padding:.25rem .6rem; font-size:.85rem; }
.grid2 { display:grid; grid-template-columns:repeat(2, minmax(0, 1fr)); gap:0 1.25rem; }

.filters { display:flex; gap:.5rem 1rem; flex-wrap:wrap; align-items:flex-end; margin:0 0 1rem; }
.filters label { display:block; font-weight:600; font-size:.85rem; margin:0 0 .2rem; } .filters input, .filters select { width:auto; }
select.auto, input.auto { width:auto; }
iframe.preview { width:100%; min-height:22rem; border:1px solid var(--line); border-radius:6px; background:#fff; }


/* error pages */
.error-page { text-align:center; padding:3rem 1rem; }
.error-page .code { font-size:4rem; font-weight:800; color:#c3cad6; line-height:1; margin:0; }
.error-page h1 { margin:.5rem 0; }

/* the console's own: source views, the inbox table's fixed layout (long reply+… addresses never widen the page) */
pre.raw { max-height:40rem; font-size:.78rem; }
h1, h2, .page-head > div { overflow-wrap:anywhere; min-width:0; }
select, .filters select, td select { max-width:100%; text-overflow:ellipsis; }
.filters > label, .filters > input { max-width:100%; min-width:0; }
.raw-part { color:var(--muted); background:#e3e8f0; display:block; padding:.15rem .4rem; border-radius:4px; margin:.2rem 0; white-space:pre-wrap; }
table.inbox, table.outbox, table.events { table-layout:fixed; min-width:0; }
table.inbox td, table.outbox td, table.events td { overflow-wrap:anywhere; }
table.inbox td > .clip, table.outbox td > .clip, table.events td > .clip { max-width:100%; }
table.inbox col.when { width:9.5rem; } table.inbox col.status { width:7rem; } table.inbox col.attempts { width:7rem; }
table.inbox col.note { width:22%; } table.inbox col.route { width:8%; }
@media (max-width: 900px) {
  /* a phone: each row becomes a card, its cells stacked with their header as a label */
  table.stack thead { display:none; }
  table.stack, table.stack tbody, table.stack tr, table.stack td { display:block; width:100%; }
  table.stack tr { border-bottom:1px solid var(--line); padding:.4rem 0; }
  table.stack td { border:0; padding:.15rem .7rem; }
  table.stack td[data-label]::before { content:attr(data-label) ": "; color:var(--muted); font-size:.75rem; text-transform:uppercase; letter-spacing:.04em; }
  table.inbox col { width:auto !important; }
}

@media (max-width: 700px) {
  body { font-size:16px; }
  .wrap { padding-left:1rem; padding-right:1rem; }
  .grid2 { grid-template-columns:1fr; }
  .appbar .account { margin-left:0; }
  h1 { font-size:1.35rem; }
}
`;
