import {
  ActionForm,
  Badge,
  ErrorPage,
  Field,
  Flash,
  kitAssets,
  Page,
  PageHead,
  Table,
  Time,
  type AppKit,
} from '@mailroom/app-kit';
import { Hono, type Context } from 'hono';
import type { FC, PropsWithChildren } from 'hono/jsx';
import type { BlobStore } from '@mailroom/core/inbox';
import { basePathOf } from '../config.js';
import {
  BadRequest,
  makeCurrent,
  profile,
  redeemLink,
  regenerateUploadAddress,
  requestLink,
  revert,
  type AccountDeps,
  type ProfileJSON,
} from './account.js';
import { endSession, sessionUserId, startSession } from './session.js';

/** The kit's page frame for avatars; signed in, the profile link and a sign-out form. */
const Layout: FC<PropsWithChildren<{ title: string; base: string; me?: ProfileJSON; narrow?: boolean }>> = ({
  title,
  base,
  me,
  narrow,
  children,
}) => {
  const home = base || '/';
  const nav = [
    { href: home, label: 'Home' },
    ...(me ? [{ href: `${base}/profile`, label: 'Your avatar', current: true }] : []),
  ];
  const account = me ? (
    <>
      <span class="address">{me.address}</span>
      <ActionForm action={`${base}/logout`} submit="Sign out" />
    </>
  ) : undefined;
  return (
    <Page
      title={title}
      app={{ name: 'Avatars', home, base }}
      nav={nav}
      account={account}
      width={narrow === false ? 'wide' : 'narrow'}
    >
      <PageHead title={title} />
      {children}
    </Page>
  );
};

const Home: FC<{ base: string; uploadAddress: string; error?: string }> = ({ base, uploadAddress, error }) => (
  <Layout title="Avatars by email" base={base}>
    <p>
      Email a photo to <code>{uploadAddress}</code> and it becomes your avatar, served like Gravatar at{' '}
      <code>/avatar/&lt;sha256 of your address&gt;</code>.
    </p>
    <Flash kind="error">{error}</Flash>
    <form class="card" method="post" action={`${base}/register`}>
      <Field
        label="Your email address"
        type="email"
        name="address"
        required
        placeholder="you@example.com"
        autocomplete="email"
        hint="Register or sign in: we mail you a link."
      />
      <button type="submit">Send me a link</button>
    </form>
  </Layout>
);

const Profile: FC<{ base: string; me: ProfileJSON }> = ({ base, me }) => (
  <Layout title="Your avatar" base={base} me={me} narrow={false}>
    <section class="card media">
      <img class="avatar" src={`${me.avatarUrl}?s=128`} width={128} height={128} alt="Your current avatar" />
      <dl class="facts">
        <dt>Signed in as</dt>
        <dd>
          <strong>{me.address}</strong>
        </dd>
        <dt>Public URL</dt>
        <dd>
          <code>{me.avatarUrl}?s=256</code>
        </dd>
      </dl>
    </section>
    <h2>Send a photo</h2>
    <p>
      From <strong>{me.address}</strong> to <code>{me.sharedUploadAddress}</code> (your mail must be DKIM/SPF
      authenticated), or from any other DKIM/SPF-authenticated address to your secret address{' '}
      <code>{me.uploadAddress}</code>. Keep the secret address private: anyone who has it can change your avatar (you
      will get a confirmation each time).
    </p>
    <ActionForm action={`${base}/profile/upload-address`} submit="Make a new secret address" variant="secondary" />
    <h2>History</h2>
    <Table head={['Version', 'Image', 'Crop (source pixels)', 'Added', '']} rows={me.history} empty="No avatar yet.">
      {me.history.map((a) => (
        <tr>
          <td class="num">{a.version}</td>
          <td>
            <img
              class="avatar"
              src={`${base}/api/avatars/${a.version}/image?s=64`}
              width={64}
              height={64}
              alt={`Version ${a.version}`}
            />
          </td>
          <td>
            {a.crop.size}×{a.crop.size} at {a.crop.left},{a.crop.top} of {a.source.width}×{a.source.height}
            {a.source.animated ? ' (first frame)' : ''}
          </td>
          <td>
            <Time value={a.createdAt} />
          </td>
          <td class="controls">
            {a.current ? (
              <Badge value="current" tone="ok" />
            ) : (
              <ActionForm
                action={`${base}/profile/avatars/${a.version}/use`}
                submit="Use this one"
                variant="secondary"
              />
            )}
          </td>
        </tr>
      ))}
    </Table>
    {me.history.some((a) => !a.current && me.current && a.version < me.current.version) ? (
      <ActionForm action={`${base}/profile/revert`} submit="Revert to the previous avatar" variant="secondary" />
    ) : null}
  </Layout>
);

/** Server-rendered pages: register / sign in by link, profile with history, revert, new secret address. */
export function createPages(deps: AccountDeps & { blobs: BlobStore; kit: AppKit }, uploadAddress: string): Hono {
  const pages = new Hono();
  const { config } = deps;
  const base = basePathOf(config);
  const home = base || '/';
  const app = { name: 'Avatars', home, base };

  pages.route('/', kitAssets());

  const requireUser = async (c: Context): Promise<number | null> => sessionUserId(c, deps.kit);

  pages.get('/', (c) => c.html(<Home base={base} uploadAddress={uploadAddress} />));

  pages.post('/register', async (c) => {
    const form = await c.req.parseBody();
    try {
      await requestLink(deps, form.address);
    } catch (error) {
      if (error instanceof BadRequest)
        return c.html(<Home base={base} uploadAddress={uploadAddress} error={error.message} />, 400);
      throw error;
    }
    return c.html(
      <Layout title="Check your inbox" base={base}>
        <Flash kind="ok">If the address can receive mail, a link is on its way. It works once, for one hour.</Flash>
      </Layout>,
    );
  });

  // The link only shows a button: mail scanners that prefetch links must not use up the token.
  pages.get('/confirm/:token', (c) =>
    c.html(
      <Layout title="Confirm your address" base={base}>
        <form class="card" method="post" action={`${base}/confirm`}>
          <input type="hidden" name="token" value={c.req.param('token')} />
          <p>One click signs you in on this device.</p>
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
        <ErrorPage
          app={app}
          status={400}
          title="Link not valid"
          message="This link is unknown, already used or expired."
        >
          <p>
            <a href={home}>Ask for a new one.</a>
          </p>
        </ErrorPage>,
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
    if (!Number.isInteger(version))
      return c.html(
        <ErrorPage app={app} status={400} title="Request refused" message="version must be an integer" />,
        400,
      );
    await makeCurrent(deps, userId, version);
    return c.redirect(`${base}/profile`, 303);
  });

  pages.post('/logout', async (c) => {
    await endSession(c, deps.kit);
    return c.redirect(home, 303);
  });

  return pages;
}
