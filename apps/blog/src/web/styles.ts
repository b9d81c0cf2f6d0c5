/** The blog's stylesheet, served from /assets/blog.css (CSP: styles only from 'self'). */
export const BLOG_CSS = `
:root { --ink: #1f2328; --muted: #656d76; --line: #e4e7eb; --accent: #b4461f; --bg: #fffdf9; --card: #ffffff; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 18px/1.7 Charter, "Bitstream Charter", "Sitka Text", Cambria, Georgia, serif; }
a { color: var(--accent); text-decoration-thickness: 1px; text-underline-offset: 2px; }
a:hover { text-decoration-thickness: 2px; }
.wrap { max-width: 760px; margin: 0 auto; padding: 0 20px; }
header.site { border-bottom: 1px solid var(--line); background: var(--card); }
header.site .wrap { display: flex; align-items: baseline; justify-content: space-between; gap: 16px; padding-top: 22px; padding-bottom: 18px; flex-wrap: wrap; }
.brand { font: 700 26px/1.2 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); text-decoration: none; letter-spacing: -0.02em; }
.tagline { color: var(--muted); font: 15px/1.4 system-ui, sans-serif; margin: 4px 0 0; }
nav.site a { font: 15px system-ui, sans-serif; margin-left: 14px; color: var(--muted); text-decoration: none; }
nav.site a:hover { color: var(--ink); }
main.wrap { padding-top: 40px; padding-bottom: 60px; }
footer.site { border-top: 1px solid var(--line); color: var(--muted); font: 14px system-ui, sans-serif; padding: 24px 0 40px; }
h1, h2, h3, h4 { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; line-height: 1.25; letter-spacing: -0.01em; }
h1 { font-size: 2.1rem; margin: 0 0 8px; }
.post-meta, .meta { color: var(--muted); font: 14px/1.5 system-ui, sans-serif; }
.post-meta a { color: var(--muted); }
.tags { list-style: none; padding: 0; margin: 28px 0 0; display: flex; flex-wrap: wrap; gap: 8px; }
.tags a { display: inline-block; font: 13px system-ui, sans-serif; padding: 2px 10px; border: 1px solid var(--line); border-radius: 999px; text-decoration: none; color: var(--muted); background: var(--card); }
article.card { padding: 0 0 30px; margin: 0 0 30px; border-bottom: 1px solid var(--line); }
article.card h2 { font-size: 1.55rem; margin: 4px 0 8px; }
article.card h2 a { color: var(--ink); text-decoration: none; }
article.card h2 a:hover { color: var(--accent); }
article.card img.cover { width: 100%; height: auto; max-height: 340px; object-fit: cover; border-radius: 6px; margin: 10px 0; }
.content { overflow-wrap: break-word; }
.content img, .content figure img { max-width: 100%; height: auto; border-radius: 4px; }
.content img.inline, .content figure.single img { display: block; margin: 0 auto; max-height: 85vh; width: auto; }
.content figure { margin: 28px 0; }
.content blockquote { margin: 24px 0; padding: 4px 20px; border-left: 3px solid var(--accent); color: #444c56; background: #faf6f0; }
.content pre { background: #f6f8fa; padding: 14px 16px; overflow-x: auto; border-radius: 6px; font-size: 15px; line-height: 1.5; }
.content code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.88em; }
.content table { border-collapse: collapse; width: 100%; font-size: 16px; }
.content th, .content td { border: 1px solid var(--line); padding: 6px 10px; text-align: left; }
.content hr { border: 0; border-top: 1px solid var(--line); margin: 36px 0; }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 10px; margin: 28px 0; }
.gallery figure { margin: 0; }
.gallery img { width: 100%; height: 200px; object-fit: cover; border-radius: 4px; display: block; }
.downloads { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px 12px 36px; font: 15px system-ui, sans-serif; }
.pager { display: flex; justify-content: space-between; font: 15px system-ui, sans-serif; margin-top: 20px; }
.notice { background: #fff4d6; border: 1px solid #f0d98a; padding: 10px 14px; border-radius: 6px; font: 15px system-ui, sans-serif; }
.error { background: #fde8e8; border-color: #f3b4b4; }
/* author UI */
.admin { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
.admin table { width: 100%; border-collapse: collapse; }
.admin th, .admin td { text-align: left; padding: 8px 6px; border-bottom: 1px solid var(--line); vertical-align: top; }
.status { font-size: 12px; text-transform: uppercase; letter-spacing: 0.05em; padding: 2px 8px; border-radius: 999px; background: #eef1f4; }
.status.published { background: #dff3e4; color: #1a6b34; }
.status.scheduled { background: #e3ecfb; color: #1f4f99; }
.status.draft { background: #fbeed9; color: #8a5300; }
form.stack label { display: block; font-weight: 600; margin: 16px 0 6px; }
form.stack input[type=text], form.stack input[type=email], form.stack input[type=password], form.stack textarea, form.stack select { width: 100%; font: inherit; padding: 8px 10px; border: 1px solid #c9ced4; border-radius: 6px; background: #fff; }
form.stack textarea { min-height: 360px; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 14px; }
button { font: 600 15px system-ui, sans-serif; padding: 8px 16px; border-radius: 6px; border: 1px solid #a33d18; background: var(--accent); color: #fff; cursor: pointer; margin-top: 16px; }
button.secondary { background: #fff; color: var(--ink); border-color: #c9ced4; }
code.address { display: inline-block; font-size: 15px; padding: 6px 10px; background: #f6f8fa; border-radius: 6px; word-break: break-all; }
@media (max-width: 600px) { body { font-size: 17px; } h1 { font-size: 1.7rem; } }
`;
