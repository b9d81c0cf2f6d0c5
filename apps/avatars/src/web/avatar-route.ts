import type { Hono } from 'hono';
import type { Database } from '@mailroom/core';
import type { BlobStore } from '@mailroom/core/inbox';
import type { AvatarsConfig } from '../config.js';
import { findRendition, nearestSize } from '../domain/avatars.js';
import type { Rendition, RenditionFormat } from '../images/index.js';

export interface AvatarRouteDeps {
  db: Database;
  blobs: BlobStore;
  config: AvatarsConfig;
  defaults: Rendition[];
}

const FILE = /^([0-9a-f]{64})(?:\.(jpg|jpeg|webp))?$/;

/**
 * `GET /avatar/<sha256 of the lower-cased address>[.jpg|.webp]?s=<1-2048>&d=<mp|404>` like Gravatar:
 * the generated size nearest `s` (default 80), WebP when Accept allows it (or asked by extension) else JPEG,
 * the neutral default (or 404 with `d=404`) when the address has no avatar, strong ETag, 304 on If-None-Match.
 */
export function registerAvatarRoute(app: Hono, deps: AvatarRouteDeps): void {
  app.get('/avatar/:file', async (c) => {
    const file = FILE.exec(c.req.param('file').toLowerCase());
    if (!file)
      return c.json(
        { error: 'bad-hash', message: 'expected /avatar/<64 hex characters: sha256 of the lower-cased address>' },
        400,
      );
    const hash = file[1]!;
    const sizeParam = c.req.query('s') ?? c.req.query('size');
    const requested = sizeParam === undefined ? 80 : Number(sizeParam);
    if (!Number.isInteger(requested) || requested < 1 || requested > 2048) {
      return c.json({ error: 'bad-size', message: 's must be an integer from 1 to 2048' }, 400);
    }
    const fallback = c.req.query('d') ?? c.req.query('default') ?? 'mp';
    if (fallback !== 'mp' && fallback !== '404')
      return c.json({ error: 'bad-default', message: 'd must be mp or 404' }, 400);

    const byExtension = file[2] ? (file[2] === 'webp' ? 'webp' : 'jpeg') : null;
    const format: RenditionFormat = byExtension ?? (acceptsWebp(c.req.header('accept')) ? 'webp' : 'jpeg');

    let body: Buffer;
    let etag: string;
    const found = await findRendition(deps.db, deps.blobs, hash, requested, format);
    if (found) {
      body = found.data;
      etag = found.etag;
    } else {
      if (fallback === '404') return c.json({ error: 'not-found', message: 'no avatar for this address' }, 404);
      const size = nearestSize(
        deps.defaults.filter((d) => d.format === format).map((d) => d.size),
        requested,
      )!;
      body = deps.defaults.find((d) => d.format === format && d.size === size)!.data;
      etag = `"default-${size}-${format}"`;
    }

    const headers: Record<string, string> = {
      ETag: etag,
      'Cache-Control': `public, max-age=${deps.config.avatarMaxAgeSeconds}`,
      'X-Content-Type-Options': 'nosniff',
    };
    if (!byExtension) headers.Vary = 'Accept';
    if (matchesEtag(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers);
    return c.body(new Uint8Array(body), 200, { ...headers, 'Content-Type': `image/${format}` });
  });
}

function acceptsWebp(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return type === 'image/webp' && (q === undefined || Number(q.slice(2)) > 0);
  });
}

/** If-None-Match compares weakly (RFC 9110 §13.1.2): `W/` prefixes are ignored; `*` matches anything. */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
