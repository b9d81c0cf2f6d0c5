/** Atom 1.0 (RFC 4287) feed of the latest public posts, with absolute links and full content. */
import type { BlogConfig } from '../config.js';
import { postUrl } from '../config.js';
import type { Image, Download, Post } from '../db/schema.js';
import { renderPostBody, teaser } from './render.js';

function xml(text: string): string {
  return (
    text
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      // Characters XML 1.0 forbids (control characters other than tab/newline/CR).
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
  );
}

export interface FeedEntry {
  post: Post;
  authorName: string;
  images: Image[];
  downloads: Download[];
}

export function atomFeed(config: BlogConfig, entries: FeedEntry[], now: Date): string {
  const updated =
    entries.reduce((latest, e) => Math.max(latest, (e.post.publishAt ?? e.post.updatedAt).getTime()), 0) ||
    now.getTime();
  const host = new URL(config.publicUrl).host;
  const items = entries.map(({ post, authorName, images, downloads }) => {
    const url = postUrl(config, post.slug);
    const published = (post.publishAt ?? post.createdAt).toISOString();
    const body = renderPostBody(post.html, images, downloads, config.publicUrl);
    return [
      '  <entry>',
      `    <id>tag:${xml(host)},${published.slice(0, 10)}:post-${post.id}</id>`,
      `    <title>${xml(post.title)}</title>`,
      `    <link rel="alternate" type="text/html" href="${xml(url)}"/>`,
      `    <published>${published}</published>`,
      `    <updated>${new Date(Math.max(post.updatedAt.getTime(), new Date(published).getTime())).toISOString()}</updated>`,
      `    <author><name>${xml(authorName)}</name></author>`,
      post.category ? `    <category term="${xml(post.category)}"/>` : null,
      ...post.tags.map((t) => `    <category term="${xml(t)}"/>`),
      `    <summary>${xml(teaser(post.excerpt, post.html))}</summary>`,
      `    <content type="html">${xml(body)}</content>`,
      '  </entry>',
    ]
      .filter(Boolean)
      .join('\n');
  });
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  <id>${xml(config.publicUrl)}/</id>`,
    `  <title>${xml(config.title)}</title>`,
    config.tagline ? `  <subtitle>${xml(config.tagline)}</subtitle>` : null,
    `  <link rel="self" type="application/atom+xml" href="${xml(config.publicUrl)}/feed.xml"/>`,
    `  <link rel="alternate" type="text/html" href="${xml(config.publicUrl)}"/>`,
    `  <updated>${new Date(updated).toISOString()}</updated>`,
    ...items,
    '</feed>',
    '',
  ]
    .filter((l) => l !== null)
    .join('\n');
}
