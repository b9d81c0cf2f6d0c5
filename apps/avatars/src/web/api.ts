import type { AppKit } from '@mailroom/app-kit';
import { Hono, type Context } from 'hono';
import type { BlobStore } from '@mailroom/core/inbox';
import {
  avatarJSON,
  BadRequest,
  makeCurrent,
  profile,
  redeemLink,
  regenerateUploadAddress,
  requestLink,
  revert,
  versionImage,
  type AccountDeps,
} from './account.js';
import { endSession, sessionUserId, startSession } from './session.js';

async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  if (!/^application\/json\b/i.test(c.req.header('content-type') ?? ''))
    throw new BadRequest('bad-content-type', 'send application/json');
  const body: unknown = await c.req.json().catch(() => {
    throw new BadRequest('bad-json', 'the body is not valid JSON');
  });
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new BadRequest('bad-json', 'expected a JSON object');
  return body as Record<string, unknown>;
}

/** The JSON API (documented in the README). Authenticated by the same signed session cookie as the pages. */
export function createApi(deps: AccountDeps & { blobs: BlobStore; kit: AppKit }): Hono {
  const api = new Hono();

  api.onError((error, c) => {
    if (error instanceof BadRequest) return c.json({ error: error.code, message: error.message }, 400);
    throw error;
  });

  api.post('/register', async (c) => {
    const body = await jsonBody(c);
    await requestLink(deps, body.address);
    return c.json(
      {
        status: 'link-sent',
        message: 'If the address can receive mail, a confirmation or sign-in link is on its way.',
      },
      202,
    );
  });

  api.post('/session', async (c) => {
    const body = await jsonBody(c);
    const user = await redeemLink(deps, body.token);
    if (!user) return c.json({ error: 'bad-token', message: 'the link is unknown, used or expired' }, 400);
    await startSession(c, deps.kit, user.id);
    return c.json({ address: user.address, confirmed: user.confirmed });
  });

  api.delete('/session', async (c) => {
    await endSession(c, deps.kit);
    return c.body(null, 204);
  });

  // Everything below needs a session.
  const signedIn = new Hono<{ Variables: { userId: number } }>();
  signedIn.use(async (c, next) => {
    const userId = await sessionUserId(c, deps.kit);
    if (userId === null) return c.json({ error: 'unauthenticated', message: 'sign in first (POST /api/session)' }, 401);
    c.set('userId', userId);
    await next();
  });

  signedIn.get('/me', async (c) => {
    const me = await profile(deps, c.get('userId'));
    return me ? c.json(me) : c.json({ error: 'unauthenticated', message: 'unknown or unconfirmed user' }, 401);
  });

  signedIn.get('/avatars', async (c) => {
    const me = await profile(deps, c.get('userId'));
    return me ? c.json({ avatars: me.history }) : c.json({ error: 'unauthenticated', message: 'unknown user' }, 401);
  });

  signedIn.get('/avatars/:version/image', async (c) => {
    const version = Number(c.req.param('version'));
    const size = Number(c.req.query('s') ?? 128);
    if (!Number.isInteger(version) || !Number.isInteger(size) || size < 1 || size > 2048) {
      return c.json({ error: 'bad-request', message: 'version and s must be integers (s from 1 to 2048)' }, 400);
    }
    const image = await versionImage(deps, c.get('userId'), version, size);
    if (!image) return c.json({ error: 'not-found', message: `no version ${version}` }, 404);
    return c.body(new Uint8Array(image), 200, {
      'Content-Type': 'image/webp',
      'Cache-Control': 'private, max-age=3600',
    });
  });

  signedIn.post('/avatars/:version/current', async (c) => {
    const version = Number(c.req.param('version'));
    if (!Number.isInteger(version)) return c.json({ error: 'bad-version', message: 'version must be an integer' }, 400);
    const avatar = await makeCurrent(deps, c.get('userId'), version);
    return avatar
      ? c.json({ current: avatarJSON(avatar) })
      : c.json({ error: 'not-found', message: `no version ${version}` }, 404);
  });

  signedIn.post('/revert', async (c) => {
    const avatar = await revert(deps, c.get('userId'));
    return avatar
      ? c.json({ current: avatarJSON(avatar) })
      : c.json({ error: 'no-previous', message: 'there is no earlier avatar to go back to' }, 409);
  });

  signedIn.post('/upload-address', async (c) => {
    return c.json({ uploadAddress: await regenerateUploadAddress(deps, c.get('userId')) });
  });

  api.route('/', signedIn);
  return api;
}
