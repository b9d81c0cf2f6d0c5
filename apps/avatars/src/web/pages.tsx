import type { AppKit } from '@mailroom/app-kit';
import { Hono, type Context } from 'hono';
import type { FC, PropsWithChildren } from 'hono/jsx';
import type { BlobStore } from '@mailroom/core';
import { basePathOf } from '../config.js';
import { BadRequest, makeCurrent, profile, redeemLink, regenerateUploadAddress, requestLink, revert, type AccountDeps, type ProfileJSON } from './account.js';
import { endSession, sessionUserId, startSession } from './session.js';

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#222}
code{background:#f3f4f6;padding:.1rem .3rem;border-radius:4px}table{border-collapse:collapse;width:100%}
td,th{padding:.4rem;border-bottom:1px solid #e5e7eb;text-align:left;vertical-align:middle}
img.avatar{border-radius:8px;background:#eee}button{padding:.3rem .8rem;cursor:pointer}.error{color:#b00020}`;

const Layout: FC<PropsWithChildren<{ title: string }>> = ({ title, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{title}</title>
      <style>{STYLE}</style>
    </head>
    <body>
      <h1>{title}</h1>
      {children}
    </body>
  </html>
);

const Home: FC<{ base: string; uploadAddress: string; error?: string }> = ({ base, uploadAddress, error }) => (
  <Layout title="Avatars by email">
    <p>
      Email a photo to <code>{uploadAddress}</code> and it becomes your avatar, served like Gravatar at{' '}
      <code>/avatar/&lt;sha256 of your address&gt;</code>.
    </p>
    <p>Register (or sign in) with your address; we mail you a link.</p>
    {error ? <p class="error">{error}</p> : null}
    <form method="post" action={`${base}/register`}>
      <input type="email" name="address" required placeholder="you@example.com" autocomplete="email" />{' '}
      <button type="submit">Send me a link</button>
    </form>
  </Layout>
);

const Profile: FC<{ base: string; me: ProfileJSON }> = ({ base, me }) => (
  <Layout title="Your avatar">
    <p>
      <img class="avatar" src={`${me.avatarUrl}?s=128`} width={128} height={128} alt="Your current avatar" />
    </p>
    <p>
      Signed in as <strong>{me.address}</strong>. Public URL: <code>{me.avatarUrl}?s=256</code>
    </p>
    <h2>Send a photo</h2>
    <p>
      From <strong>{me.address}</strong> to <code>{me.sharedUploadAddress}</code> (your mail must be DKIM/SPF authenticated), or from
      any other DKIM/SPF-authenticated address to your secret address <code>{me.uploadAddress}</code>. Keep the secret address private:
      anyone who has it can change your avatar (you will get a confirmation each time).
    </p>
    <form method="post" action={`${base}/profile/upload-address`}>
      <button type="submit">Make a new secret address</button>
    </form>
    <h2>History</h2>
    {me.history.length === 0 ? (
      <p>No avatar yet.</p>
    ) : (
      <table>
        <thead>
          <tr>
            <th>Version</th>
            <th>Image</th>
            <th>Crop (source pixels)</th>
            <th>Added</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {me.history.map((a) => (
            <tr>
              <td>{a.version}</td>
              <td>
                <img class="avatar" src={`${base}/api/avatars/${a.version}/image?s=64`} width={64} height={64} alt={`Version ${a.version}`} />
              </td>
              <td>
                {a.crop.size}×{a.crop.size} at {a.crop.left},{a.crop.top} of {a.source.width}×{a.source.height}
                {a.source.animated ? ' (first frame)' : ''}
              </td>
              <td>{a.createdAt.slice(0, 16).replace('T', ' ')}</td>
              <td>
                {a.current ? (
                  <strong>current</strong>
                ) : (
                  <form method="post" action={`${base}/profile/avatars/${a.version}/use`}>
                    <button type="submit">Use this one</button>
                  </form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
    {me.history.some((a) => !a.current && me.current && a.version < me.current.version) ? (
      <form method="post" action={`${base}/profile/revert`}>
        <button type="submit">Revert to the previous avatar</button>
      </form>
    ) : null}
    <form method="post" action={`${base}/logout`}>
      <button type="submit">Sign out</button>
    </form>
  </Layout>
);

/** Server-rendered pages: register / sign in by link, profile with history, revert, new secret address. */
export function createPages(deps: AccountDeps & { blobs: BlobStore; kit: AppKit }, uploadAddress: string): Hono {
  const pages = new Hono();
  const { config } = deps;
  const base = basePathOf(config);
  const home = base || '/';

  const requireUser = async (c: Context): Promise<number | null> => sessionUserId(c, deps.kit);

  pages.get('/', (c) => c.html(<Home base={base} uploadAddress={uploadAddress} />));

  pages.post('/register', async (c) => {
    const form = await c.req.parseBody();
    try {
      await requestLink(deps, form.address);
    } catch (error) {
      if (error instanceof BadRequest) return c.html(<Home base={base} uploadAddress={uploadAddress} error={error.message} />, 400);
      throw error;
    }
    return c.html(
      <Layout title="Check your inbox">
        <p>If the address can receive mail, a link is on its way. It works once, for one hour.</p>
      </Layout>,
    );
  });

  // The link only shows a button: mail scanners that prefetch links must not use up the token.
  pages.get('/confirm/:token', (c) =>
    c.html(
      <Layout title="Confirm your address">
        <form method="post" action={`${base}/confirm`}>
          <input type="hidden" name="token" value={c.req.param('token')} />
          <button type="submit">Confirm and sign in</button>
        </form>
      </Layout>,
    ),
  );

  pages.post('/confirm', async (c) => {
    const form = await c.req.parseBody();
    const user = await redeemLink(deps, form.token);
    if (!user) {
      return c.html(
        <Layout title="Link not valid">
          <p>This link is unknown, already used or expired. <a href={home}>Ask for a new one.</a></p>
        </Layout>,
        400,
      );
    }
    await startSession(c, deps.kit, user.id);
    return c.redirect(`${base}/profile`, 303);
  });

  pages.get('/profile', async (c) => {
    const userId = await requireUser(c);
    const me = userId === null ? null : await profile(deps, userId);
    if (!me) return c.redirect(home, 303);
    return c.html(<Profile base={base} me={me} />);
  });

  pages.post('/profile/upload-address', async (c) => {
    const userId = await requireUser(c);
    if (userId === null) return c.redirect(home, 303);
    await regenerateUploadAddress(deps, userId);
    return c.redirect(`${base}/profile`, 303);
  });

  pages.post('/profile/revert', async (c) => {
    const userId = await requireUser(c);
    if (userId === null) return c.redirect(home, 303);
    await revert(deps, userId);
    return c.redirect(`${base}/profile`, 303);
  });

  pages.post('/profile/avatars/:version/use', async (c) => {
    const userId = await requireUser(c);
    if (userId === null) return c.redirect(home, 303);
    const version = Number(c.req.param('version'));
    if (!Number.isInteger(version)) return c.text('version must be an integer', 400);
    await makeCurrent(deps, userId, version);
    return c.redirect(`${base}/profile`, 303);
  });

  pages.post('/logout', async (c) => {
    await endSession(c, deps.kit);
    return c.redirect(home, 303);
  });

  return pages;
}
