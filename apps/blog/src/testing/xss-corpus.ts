import { expect } from 'vitest';

/** Payloads from the usual filter-evasion lists: scripts, handlers, URL schemes, SVG, CSS, malformed markup, mXSS. */
export const XSS_CORPUS = [
  '<script>alert("script")</script>',
  '<SCRIPT SRC=https://evil.test/x.js></SCRIPT>',
  '<img src=x onerror=alert("onerror")>',
  '<img src="javascript:alert(1)">',
  '<a href="javascript:alert(1)">js link</a>',
  '<a href="JaVaScRiPt:alert(1)">mixed case</a>',
  '<a href="java&#x09;script:alert(1)">tab entity</a>',
  '<a href=" &#14;  javascript:alert(1)">leading junk</a>',
  '<a href="vbscript:msgbox(1)">vb</a>',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data url</a>',
  '<a href="https://ok.test/"onclick=alert(1)>glued handler</a>',
  '<svg onload=alert("svg")><circle r=5 /></svg>',
  '<svg><script>alert("svg script")</script></svg>',
  '<svg><a xlink:href="javascript:alert(1)"><text x="0" y="10">svg link</text></a></svg>',
  '<svg><animate onbegin=alert(1) attributeName=x dur=1s>',
  '<div style="background:url(javascript:alert(1))">css url</div>',
  '<p style="width: expression(alert(1))">css expression</p>',
  '<style>body{background:url("javascript:alert(1)")} *{x:expression(alert(1))}</style>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
  '<object data="javascript:alert(1)"></object><embed src="javascript:alert(1)">',
  '<form action="javascript:alert(1)"><button formaction="javascript:alert(2)">go</button></form>',
  '<input onfocus=alert(1) autofocus>',
  '<details open ontoggle=alert(1)>details</details>',
  '<body onload=alert(1)>',
  '<base href="javascript:alert(1)//">',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  '<link rel=stylesheet href="https://evil.test/x.css">',
  '<scr<script>ipt>alert("split")</script>',
  '<<img src=x onerror=alert("double lt")//<',
  '<img """><script>alert("quotes")</script>">',
  '<!--<img src="--><img src=x onerror=alert("comment")//">',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert("mxss")>',
  '<noscript><p title="</noscript><img src=x onerror=alert(\'noscript\')>">',
  '<a href="https://ok.test/" title="x" onmouseover="alert(1)">hover</a>',
  '<img src=cid:nothing onerror=alert(1)>',
  '<table background="javascript:alert(1)"><tr><td>bg</td></tr></table>',
  '<video><source onerror=alert(1)></video><audio src=x onerror=alert(1)>',
  '<marquee onstart=alert(1)>m</marquee>',
  '<x onclick=alert(1)>custom</x>',
  '"><script>alert("attr break")</script>',
  "'><img src=x onerror=alert('single')>",
];

/** Everything a rendered page must never contain (checked on the markup, not the text). */
export function assertNoActiveContent(html: string, where: string): void {
  const problems: string[] = [];
  // A tag runs to the next '>' or '<' (unterminated and nested junk count too): escaped text has no raw '<'.
  const tags = html.match(/<[a-zA-Z][^<>]*/g) ?? [];
  for (const tag of tags) {
    const name = /^<([a-zA-Z][\w:-]*)/.exec(tag)![1]!.toLowerCase();
    if (
      [
        'script',
        'svg',
        'iframe',
        'object',
        'embed',
        'style',
        'base',
        'math',
        'video',
        'audio',
        'marquee',
        'input',
        'details',
        'body',
        'x',
      ].includes(name)
    ) {
      // The page's own <body> (the kit's frame gives it a width class); any other attribute is sender-made.
      if (!(name === 'body' && /^<body(?: class="[a-z -]{1,40}")?$/.test(tag))) problems.push(`forbidden tag ${tag}`);
    }
    // Attribute names only: quoted values (escaped text) may legitimately mention anything.
    const names = tag.replace(/"[^"]*"|'[^']*'/g, '""');
    if (/[\s"'/]on[a-z]+\s*=/i.test(names)) problems.push(`event handler in ${tag}`);
    if (/\sstyle\s*=/i.test(names)) problems.push(`style attribute in ${tag}`);
    if (
      /\s(?:href|src|srcset|action|formaction|data|background|xlink:href|poster)\s*=[\s\x00-\x1f]*(?:["'][\s\x00-\x1f]*)?(?:javascript|vbscript|data):/i.test(
        tag,
      )
    ) {
      problems.push(`script URL in ${tag}`);
    }
    if (/\s(?:src|srcset)\s*=\s*["']?(?:https?:)?\/\/(?!127\.0\.0\.1)/i.test(tag))
      problems.push(`remote resource in ${tag}`);
    if (name === 'meta' && /http-equiv/i.test(tag)) problems.push(`meta refresh ${tag}`);
    // Our own links only: the blog's stylesheet and feed, the kit's stylesheet and favicon (content-hashed).
    if (
      name === 'link' &&
      !/href="\/blog\/(?:assets\/blog\.css|feed\.xml|assets\/kit\.css\?v=[0-9a-f]{1,16}|favicon\.svg\?v=[0-9a-f]{1,16})"/.test(
        tag,
      )
    )
      problems.push(`foreign link ${tag}`);
  }
  expect(problems, `${where}:\n${problems.join('\n')}`).toEqual([]);
}
