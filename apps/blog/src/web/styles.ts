/** What only the blog needs on top of the kit's stylesheet (posts, galleries, tags), served from /assets/blog.css. */
export const BLOG_CSS = `
.prose a { text-decoration-thickness:1px; } .prose a:hover { text-decoration-thickness:2px; }
.prose h1 { font-size:2.1rem; margin:0 0 .5rem; }
.post-meta { color:var(--muted); font:14px/1.5 var(--sans); margin:.25rem 0 1.25rem; }
.post-meta a { color:var(--muted); }
.tagline { color:var(--muted); font:15px/1.4 var(--sans); margin:0 0 2rem; }
.tags { list-style:none; padding:0; margin:28px 0 0; display:flex; flex-wrap:wrap; gap:8px; }
.tags a { display:inline-block; font:13px var(--sans); padding:2px 10px; border:1px solid var(--line); border-radius:999px; text-decoration:none; color:var(--muted); background:var(--card); }
article.post-card { padding:0 0 30px; margin:0 0 30px; border-bottom:1px solid var(--line); }
article.post-card h2 { font-size:1.55rem; margin:4px 0 8px; }
article.post-card h2 a { color:var(--ink); text-decoration:none; }
article.post-card h2 a:hover { color:var(--accent); }
article.post-card img.cover { width:100%; height:auto; max-height:340px; object-fit:cover; border-radius:6px; margin:10px 0; }
.content { overflow-wrap:break-word; }
.content img, .content figure img { max-width:100%; height:auto; border-radius:4px; }
.content img.inline, .content figure.single img { display:block; margin:0 auto; max-height:85vh; width:auto; }
.content figure { margin:28px 0; }
.content blockquote { margin:24px 0; padding:4px 20px; border-left:3px solid var(--accent); color:#444c56; background:#f1f4fa; }
.content pre { padding:14px 16px; font-size:15px; line-height:1.5; }
.content table { border-collapse:collapse; width:100%; font-size:16px; background:var(--card); }
.content th, .content td { border:1px solid var(--line); padding:6px 10px; }
.content hr { border:0; border-top:1px solid var(--line); margin:36px 0; }
.gallery { display:grid; grid-template-columns:repeat(auto-fill, minmax(200px, 1fr)); gap:10px; margin:28px 0; }
.gallery figure { margin:0; }
.gallery img { width:100%; height:200px; object-fit:cover; border-radius:4px; display:block; }
.downloads { background:var(--card); border:1px solid var(--line); border-radius:6px; padding:12px 16px 12px 36px; font:15px var(--sans); }
.pager { display:flex; justify-content:space-between; font:15px var(--sans); margin-top:20px; }
code.address { display:inline-block; font-size:15px; padding:6px 10px; }
`;
