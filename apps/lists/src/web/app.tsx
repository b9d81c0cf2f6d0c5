import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { Hono, type Context } from 'hono';
import { Field, Flash, inTime, kitAssets, PasswordChangeForm, securityHeaders, type AppKit } from '@mailroom/app-kit';
import { normalize, SLUG } from '../config.js';
import type { ListsDb } from '../db/index.js';
import {
  ARCHIVES,
  lists,
  memberEvents,
  members,
  moderation,
  POLICIES,
  ROLES,
  threads,
  type MemberStatus,
  type Role,
} from '../db/schema.js';
import {
  createList,
  decide,
  listBySlug,
  memberById,
  memberForUnsubscribeToken,
  setMemberStatus,
  threadMessages,
  unsubscribe,
  upsertMember,
  type AfterCommit,
  type List,
  type ListsServices,
} from '../domain/index.js';
import {
  ADMIN_ACCOUNT,
  loadSession,
  requireAdminApi,
  requireAdminPage,
  verifyAdminPassword,
  type AdminEnv,
} from './auth.js';
import { confirmRoutes } from './confirm.js';
import {
  AdminHome,
  AdminList,
  ListIndex,
  ModerationQueue,
  Outcome,
  Page,
  Refusal,
  ThreadIndex,
  ThreadView,
} from './views.js';

export interface WebDeps {
  db: ListsDb;
  services: ListsServices;
  transaction<T>(fn: (tx: ListsDb, afterCommit: AfterCommit) => Promise<T>): Promise<T>;
  /** Admin sessions, login throttling, the admin password and CSRF (`@mailroom/app-kit`). */
  kit: AppKit;
}

const MEMBER_STATUSES_SETTABLE: MemberStatus[] = ['active', 'suspended', 'unsubscribed'];

class BadRequest extends Error {}

function field(
  form: Record<string, unknown>,
  name: string,
  options: { required?: boolean; max?: number } = {},
): string {
  const value = form[name];
  const text = typeof value === 'string' ? value.trim() : '';
  if (options.required && !text) throw new BadRequest(`${name} is required`);
  if (text.length > (options.max ?? 500)) throw new BadRequest(`${name} is too long`);
  return text;
}

function oneOf<T extends string>(value: string, allowed: readonly T[], name: string, fallback?: T): T {
  if (!value && fallback !== undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value))
    throw new BadRequest(`${name} must be one of ${allowed.join(', ')}`);
  return value as T;
}

function listInput(form: Record<string, unknown>) {
  const slug = field(form, 'slug', { required: true, max: 41 }).toLowerCase();
  if (!SLUG.test(slug) || slug.endsWith('-request') || slug === 'reply')
    throw new BadRequest('slug must be lower-case letters, digits and dashes (not "reply", not ending in "-request")');
  return {
    slug,
    name: field(form, 'name', { required: true, max: 200 }),
    description: field(form, 'description', { max: 2000 }),
    policy: oneOf(field(form, 'policy'), POLICIES, 'policy', 'members'),
    archive: oneOf(field(form, 'archive'), ARCHIVES, 'archive', 'public'),
  };
}

function memberInput(form: Record<string, unknown>) {
  const address = normalize(field(form, 'address', { required: true, max: 320 }));
  if (!/^[^@\s<>]+@(?=[^@\s<>]+$)[^@\s<>]+\.[^@\s<>]+$/.test(address))
    throw new BadRequest('address is not an email address');
  return {
    address,
    name: field(form, 'name', { max: 200 }),
    role: oneOf(field(form, 'role'), ROLES, 'role', 'member'),
  };
}

function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: string }).code === '23505') return true;
  }
  return false;
}

export function createWebApp(deps: WebDeps): Hono<AdminEnv> {
  const { kit } = deps;
  const base = deps.services.config.basePath;
  const app = new Hono<AdminEnv>();
  app.use('*', securityHeaders());
  app.route('/', kitAssets());
  app.use('*', loadSession(kit));
  app.onError((error, c) => {
    if (error instanceof BadRequest)
      return c.req.path.includes('/api/')
        ? c.json({ error: error.message }, 400)
        : c.html(<Refusal base={base} status={400} message={error.message} />, 400);
    throw error;
  });
  app.route('/', archivePages(deps));
  app.route('/', unsubscribeLinks(deps));
  app.route('/confirm', confirmRoutes(deps));
  app.route('/', adminSession(deps));
  app.route('/admin', adminPages(deps));
  app.route('/api', apiApp(deps));
  return app;
}

const isAdmin = (c: Context<AdminEnv>) => c.var.session !== null;

/** A styled refusal page (404, 403, 409) in the app's layout. */
function refusal({ services, kit }: Pick<WebDeps, 'services' | 'kit'>) {
  const base = services.config.basePath;
  return (c: Context<AdminEnv>, status: 403 | 404 | 409, message: string) =>
    c.html(
      <Refusal
        base={base}
        status={status}
        message={message}
        admin={isAdmin(c)}
        csrf={c.var.session ? kit.csrfToken(c.var.session) : ''}
      />,
      status,
    );
}

/** Members-only archives: an admin session, or a member's signed access token (`?access=`). */
async function canRead(c: Context<AdminEnv>, { db, services }: WebDeps, list: List): Promise<boolean> {
  if (list.archive === 'public' || isAdmin(c)) return true;
  const access = c.req.query('access');
  if (!access) return false;
  const verified = services.replyAddresses.verify(access);
  if (!verified.ok || !verified.scope.startsWith('a:')) return false;
  const member = await memberById(db, verified.scope.slice(2));
  return (
    !!member &&
    member.listId === list.id &&
    member.status === 'active' &&
    services.replyAddresses.verify(access, { recipient: member.address }).ok
  );
}

/** The public (or members-only) archive: lists, threads, messages. */
function archivePages(deps: WebDeps): Hono<AdminEnv> {
  const refuse = refusal(deps);
  const { db, services, kit } = deps;
  const base = services.config.basePath;
  const csrfOf = (c: Context<AdminEnv>) => (c.var.session ? kit.csrfToken(c.var.session) : '');
  const pages = new Hono<AdminEnv>();
  pages.get('/', async (c) => {
    const all = await db.select().from(lists).orderBy(asc(lists.slug));
    return c.html(
      <Page title="Mailing lists" base={base} admin={isAdmin(c)} csrf={csrfOf(c)}>
        <ListIndex base={base} lists={all} />
      </Page>,
    );
  });

  pages.get('/archive/:slug', async (c) => {
    const list = await listBySlug(db, c.req.param('slug'));
    if (!list) return refuse(c, 404, 'no such list');
    if (!(await canRead(c, deps, list))) return refuse(c, 403, 'this archive is for members only');
    const rows = await db
      .select()
      .from(threads)
      .where(eq(threads.listId, list.id))
      .orderBy(desc(threads.lastPostAt))
      .limit(200);
    const access = c.req.query('access') ? `?access=${encodeURIComponent(c.req.query('access')!)}` : '';
    return c.html(
      <Page title={list.name} base={base} admin={isAdmin(c)} csrf={csrfOf(c)}>
        <ThreadIndex base={base} list={list} threads={rows} access={access} />
      </Page>,
    );
  });

  pages.get('/archive/:slug/t/:thread', async (c) => {
    const list = await listBySlug(db, c.req.param('slug'));
    if (!list) return refuse(c, 404, 'no such list');
    if (!(await canRead(c, deps, list))) return refuse(c, 403, 'this archive is for members only');
    const [thread] = await db
      .select()
      .from(threads)
      .where(and(eq(threads.id, c.req.param('thread')), eq(threads.listId, list.id)));
    if (!thread) return refuse(c, 404, 'no such thread');
    const access = c.req.query('access') ? `?access=${encodeURIComponent(c.req.query('access')!)}` : '';
    return c.html(
      <Page
        title={thread.subject}
        base={base}
        admin={isAdmin(c)}
        csrf={csrfOf(c)}
        back={{ href: `${base}/archive/${list.slug}${access}`, label: list.name }}
      >
        <ThreadView messages={await threadMessages(db, thread.id)} />
      </Page>,
    );
  });

  return pages;
}

/** One-click unsubscribe (RFC 8058); subscribe/unsubscribe confirmation links are in confirm.tsx. */
function unsubscribeLinks(deps: WebDeps): Hono<AdminEnv> {
  const refuse = refusal(deps);
  const { db, services } = deps;
  const base = services.config.basePath;
  const links = new Hono<AdminEnv>();
  links.get('/unsubscribe/:token', async (c) => {
    const member = await memberForUnsubscribeToken(db, services, c.req.param('token'));
    if (!member) return refuse(c, 404, 'this unsubscribe link is not valid');
    return c.html(
      <Page title="Unsubscribe" base={base}>
        <form class="card" method="post">
          <input type="hidden" name="List-Unsubscribe" value="One-Click" />
          <p>
            Stop mail to <strong class="address">{member.address}</strong>?
          </p>
          <button type="submit">Unsubscribe</button>
        </form>
      </Page>,
    );
  });

  // The signed token is the credential (mail clients post without cookies), so no CSRF token here.
  links.post('/unsubscribe/:token', async (c) => {
    const member = await memberForUnsubscribeToken(db, services, c.req.param('token'));
    if (!member) return refuse(c, 404, 'this unsubscribe link is not valid');
    await deps.transaction((tx) => unsubscribe(tx, member, 'one-click'));
    return c.html(<Outcome base={base} title="Unsubscribed" text={`${member.address} is unsubscribed.`} />);
  });

  return links;
}

/** Admin login and logout: hono/csrf on the login form (login CSRF); the other admin forms carry the session's token too. */
function adminSession({ services, kit }: WebDeps): Hono<AdminEnv> {
  const refuse = refusal({ services, kit });
  const base = services.config.basePath;
  const forms = new Hono<AdminEnv>();
  const loginPage = (error?: string) => (
    <Page title="Admin login" base={base}>
      <Flash kind="error">{error}</Flash>
      <form class="card" method="post" action={`${base}/login`}>
        <Field label="Password" type="password" name="password" required autofocus autocomplete="current-password" />
        <button type="submit">Log in</button>
      </form>
    </Page>
  );
  forms.use('/login', kit.formOriginCheck);
  forms.use('/logout', kit.formOriginCheck);
  forms.get('/login', (c) => c.html(loginPage()));

  forms.post('/login', async (c) => {
    const form = await c.req.parseBody();
    const password = typeof form.password === 'string' ? form.password : '';
    if (!password) return c.html(loginPage('Enter the admin password.'), 400);
    const result = await kit.login(c, ADMIN_ACCOUNT, async () =>
      (await verifyAdminPassword(kit, password)) ? true : null,
    );
    if (result.kind === 'throttled') {
      return c.html(loginPage(`Too many login attempts; try again ${inTime(result.retryAfterSeconds)}.`), 429, {
        'Retry-After': String(result.retryAfterSeconds),
      });
    }
    if (result.kind === 'failed') return c.html(loginPage('Wrong password.'), 401);
    await kit.sessions.start(c, ADMIN_ACCOUNT);
    return c.redirect(`${base}/admin`, 303);
  });

  forms.post('/logout', async (c) => {
    const form = await c.req.parseBody();
    if (c.var.session && !kit.verifyCsrf(c.var.session, form.csrf)) return refuse(c, 403, 'invalid CSRF token');
    await kit.sessions.end(c);
    return c.redirect(base || '/', 303);
  });

  return forms;
}

/** Every admin page needs the session; every admin POST its CSRF token. */
function adminPages(deps: WebDeps): Hono<AdminEnv> {
  const refuse = refusal(deps);
  const { services, kit } = deps;
  const admin = new Hono<AdminEnv>();
  admin.use('*', requireAdminPage(services.config));
  admin.use('*', kit.formOriginCheck);
  admin.use('*', async (c, next) => {
    if (c.req.method === 'POST') {
      const form = await c.req.parseBody();
      if (!kit.verifyCsrf(c.var.session, form.csrf ?? form._csrf)) return refuse(c, 403, 'invalid CSRF token');
    }
    await next();
  });

  admin.route('/', adminListPages(deps));
  admin.route('/', adminPasswordPage(deps));
  return admin;
}

/** Pending moderation items per list id. */
async function pendingCounts(db: WebDeps['db']): Promise<Record<string, number>> {
  const rows = await db
    .select({ listId: moderation.listId, n: sql<number>`count(*)::int` })
    .from(moderation)
    .where(eq(moderation.status, 'pending'))
    .groupBy(moderation.listId);
  return Object.fromEntries(rows.map((r) => [r.listId, r.n]));
}

/** Lists, members and moderation. */
function adminListPages(deps: WebDeps): Hono<AdminEnv> {
  const refuse = refusal(deps);
  const { db, services, kit } = deps;
  const base = services.config.basePath;
  const admin = new Hono<AdminEnv>();
  admin.get('/', async (c) => {
    const all = await db.select().from(lists).orderBy(asc(lists.slug));
    return c.html(
      <Page title="Lists admin" base={base} admin csrf={kit.csrfToken(c.var.session!)}>
        <AdminHome base={base} csrf={kit.csrfToken(c.var.session!)} lists={all} pending={await pendingCounts(db)} />
      </Page>,
    );
  });

  admin.post('/lists', async (c) => {
    const input = listInput(await c.req.parseBody());
    try {
      await createList(db, input);
    } catch (error) {
      if (isUniqueViolation(error)) throw new BadRequest(`a list "${input.slug}" exists already`);
      throw error;
    }
    return c.redirect(`${base}/admin/lists/${input.slug}`, 303);
  });

  admin.get('/lists/:slug', async (c) => {
    const list = await listBySlug(db, c.req.param('slug'));
    if (!list) return refuse(c, 404, 'no such list');
    const rows = await db.select().from(members).where(eq(members.listId, list.id)).orderBy(asc(members.address));
    const csrf = kit.csrfToken(c.var.session!);
    return c.html(
      <Page title={`${list.name} (${list.slug})`} base={base} admin csrf={csrf}>
        <AdminList base={base} csrf={csrf} list={list} members={rows} />
      </Page>,
    );
  });

  admin.post('/lists/:slug/members', async (c) => {
    const list = await listBySlug(db, c.req.param('slug'));
    if (!list) return refuse(c, 404, 'no such list');
    await upsertMember(db, list.id, memberInput(await c.req.parseBody()));
    return c.redirect(`${base}/admin/lists/${list.slug}`, 303);
  });

  admin.post('/lists/:slug/members/:id', async (c) => {
    const list = await listBySlug(db, c.req.param('slug'));
    const member = await memberById(db, c.req.param('id'));
    if (!list || !member || member.listId !== list.id) return refuse(c, 404, 'no such member');
    const form = await c.req.parseBody();
    const role = oneOf(field(form, 'role'), ROLES, 'role', member.role);
    const status = oneOf(field(form, 'status'), MEMBER_STATUSES_SETTABLE, 'status', member.status);
    await db
      .update(members)
      .set({ role, updatedAt: sql`now()` })
      .where(eq(members.id, member.id));
    if (status !== member.status) await setMemberStatus(db, member, status, `admin-${status}`);
    return c.redirect(`${base}/admin/lists/${list.slug}`, 303);
  });

  admin.get('/lists/:slug/moderation', async (c) => {
    const list = await listBySlug(db, c.req.param('slug'));
    if (!list) return refuse(c, 404, 'no such list');
    const items = await db
      .select()
      .from(moderation)
      .where(eq(moderation.listId, list.id))
      .orderBy(desc(moderation.createdAt))
      .limit(200);
    const csrf = kit.csrfToken(c.var.session!);
    return c.html(
      <Page title={`${list.name}: moderation`} base={base} admin csrf={csrf}>
        <ModerationQueue base={base} csrf={csrf} list={list} items={items} />
      </Page>,
    );
  });

  admin.post('/moderation/:id', async (c) => {
    const decision = oneOf(field(await c.req.parseBody(), 'decision'), ['approve', 'reject'] as const, 'decision');
    const result = await deps.transaction((tx, afterCommit) =>
      decide(tx, services, c.req.param('id'), decision, 'admin (web)', afterCommit),
    );
    if (!result.ok) return refuse(c, result.reason.startsWith('no such') ? 404 : 409, result.reason);
    const list = await db.select({ slug: lists.slug }).from(lists).where(eq(lists.id, result.item.listId));
    return c.redirect(`${base}/admin/lists/${list[0]?.slug ?? ''}/moderation`, 303);
  });
  return admin;
}

function adminPasswordPage({ services, kit }: WebDeps): Hono<AdminEnv> {
  const base = services.config.basePath;
  const admin = new Hono<AdminEnv>();
  const passwordPage = (c: Context<AdminEnv>, extra: { error?: string; notice?: string } = {}) => (
    <Page title="Change the admin password" base={base} admin csrf={kit.csrfToken(c.var.session!)}>
      <PasswordChangeForm
        action={`${base}/admin/password`}
        csrf={kit.csrfToken(c.var.session!)}
        error={extra.error}
        notice={extra.notice}
      />
    </Page>
  );
  admin.get('/password', (c) =>
    c.html(
      passwordPage(
        c,
        c.req.query('done') ? { notice: 'Password changed. Every other admin session is logged out.' } : {},
      ),
    ),
  );
  admin.post('/password', async (c) => {
    const form = await c.req.parseBody();
    const result = await kit.changePassword(
      c,
      ADMIN_ACCOUNT,
      c.var.session,
      { current: form.current, next: form.next, confirm: form.confirm },
      {
        verifyCurrent: (password) => verifyAdminPassword(kit, password),
        save: (hash) => kit.credentials.set(ADMIN_ACCOUNT, hash),
      },
    );
    if (result.ok) return c.redirect(`${base}/admin/password?done=1`, 303);
    return c.html(
      passwordPage(c, { error: result.error }),
      result.status,
      result.retryAfterSeconds ? { 'Retry-After': String(result.retryAfterSeconds) } : {},
    );
  });
  return admin;
}

/** The admin JSON API (Bearer token or Basic): lists, members, threads and moderation. */
function apiApp(deps: WebDeps): Hono<AdminEnv> {
  const api = new Hono<AdminEnv>();
  api.use('*', requireAdminApi(deps.kit));
  api.onError((error, c) => {
    if (error instanceof BadRequest) return c.json({ error: error.message }, 400);
    if (error instanceof NotFound) return c.json({ error: error.message }, 404);
    throw error;
  });
  api.route('/', listsApi(deps));
  api.route('/', membersApi(deps));
  api.route('/', threadsApi(deps));
  return api;
}

async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  try {
    const parsed = await c.req.json();
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new BadRequest('body must be a JSON object');
}

async function listOr404(db: WebDeps['db'], c: Context): Promise<List> {
  const list = await listBySlug(db, c.req.param('slug') ?? '');
  if (!list) throw new NotFound('no such list');
  return list;
}

function listsApi({ db }: WebDeps): Hono<AdminEnv> {
  const api = new Hono<AdminEnv>();
  api.get('/lists', async (c) => c.json({ lists: await db.select().from(lists).orderBy(asc(lists.slug)) }));
  api.post('/lists', async (c) => {
    const input = listInput(await jsonBody(c));
    try {
      return c.json({ list: await createList(db, input) }, 201);
    } catch (error) {
      if (isUniqueViolation(error)) return c.json({ error: `a list "${input.slug}" exists already` }, 409);
      throw error;
    }
  });
  api.get('/lists/:slug', async (c) => c.json({ list: await listOr404(db, c) }));
  api.patch('/lists/:slug', async (c) => {
    const list = await listOr404(db, c);
    const input = await jsonBody(c);
    const set: Partial<List> = {};
    if (input.name !== undefined) set.name = field(input, 'name', { required: true, max: 200 });
    if (input.description !== undefined) set.description = field(input, 'description', { max: 2000 });
    if (input.policy !== undefined) set.policy = oneOf(field(input, 'policy'), POLICIES, 'policy');
    if (input.archive !== undefined) set.archive = oneOf(field(input, 'archive'), ARCHIVES, 'archive');
    if (Object.keys(set).length === 0) throw new BadRequest('nothing to change (name, description, policy, archive)');
    const [updated] = await db.update(lists).set(set).where(eq(lists.id, list.id)).returning();
    return c.json({ list: updated });
  });

  return api;
}

function membersApi({ db }: WebDeps): Hono<AdminEnv> {
  const api = new Hono<AdminEnv>();
  api.get('/lists/:slug/members', async (c) => {
    const list = await listOr404(db, c);
    const status = c.req.query('status');
    const where = status
      ? and(
          eq(members.listId, list.id),
          eq(members.status, oneOf(status, ['active', 'pending', 'suspended', 'unsubscribed'] as const, 'status')),
        )
      : eq(members.listId, list.id);
    const rows = await db
      .select()
      .from(members)
      .where(where)
      .orderBy(asc(members.address))
      .limit(Math.min(Number(c.req.query('limit') ?? 1000) || 1000, 10_000));
    return c.json({ members: rows.map(({ confirmationTokenHash: _hidden, ...m }) => m) });
  });
  api.post('/lists/:slug/members', async (c) => {
    const list = await listOr404(db, c);
    const { confirmationTokenHash: _hidden, ...member } = await upsertMember(
      db,
      list.id,
      memberInput(await jsonBody(c)),
    );
    return c.json({ member }, 201);
  });
  api.patch('/lists/:slug/members/:address', async (c) => {
    const list = await listOr404(db, c);
    const member = await db
      .select()
      .from(members)
      .where(and(eq(members.listId, list.id), eq(members.address, normalize(c.req.param('address')))));
    if (!member[0]) return c.json({ error: 'no such member' }, 404);
    const input = await jsonBody(c);
    if (input.role !== undefined) {
      const role: Role = oneOf(field(input, 'role'), ROLES, 'role');
      await db
        .update(members)
        .set({ role, updatedAt: sql`now()` })
        .where(eq(members.id, member[0].id));
    }
    if (input.name !== undefined)
      await db
        .update(members)
        .set({ name: field(input, 'name', { max: 200 }) })
        .where(eq(members.id, member[0].id));
    if (input.status !== undefined) {
      const status = oneOf(field(input, 'status'), MEMBER_STATUSES_SETTABLE, 'status');
      if (status !== member[0].status) await setMemberStatus(db, member[0], status, `admin-${status}`);
    }
    const { confirmationTokenHash: _hidden, ...updated } = (await memberById(db, member[0].id))!;
    return c.json({ member: updated });
  });
  api.delete('/lists/:slug/members/:address', async (c) => {
    const list = await listOr404(db, c);
    const deleted = await db
      .delete(members)
      .where(and(eq(members.listId, list.id), eq(members.address, normalize(c.req.param('address')))))
      .returning({ id: members.id });
    return deleted.length ? c.body(null, 204) : c.json({ error: 'no such member' }, 404);
  });
  api.get('/lists/:slug/events', async (c) => {
    const list = await listOr404(db, c);
    return c.json({
      events: await db
        .select()
        .from(memberEvents)
        .where(eq(memberEvents.listId, list.id))
        .orderBy(desc(memberEvents.id))
        .limit(500),
    });
  });

  return api;
}

function threadsApi(deps: WebDeps): Hono<AdminEnv> {
  const { db, services } = deps;
  const api = new Hono<AdminEnv>();
  api.get('/lists/:slug/threads', async (c) => {
    const list = await listOr404(db, c);
    return c.json({
      threads: await db
        .select()
        .from(threads)
        .where(eq(threads.listId, list.id))
        .orderBy(desc(threads.lastPostAt))
        .limit(500),
    });
  });
  api.get('/threads/:id', async (c) => {
    const [thread] = await db
      .select()
      .from(threads)
      .where(eq(threads.id, c.req.param('id')));
    if (!thread) return c.json({ error: 'no such thread' }, 404);
    return c.json({ thread, messages: await threadMessages(db, thread.id) });
  });

  api.get('/lists/:slug/moderation', async (c) => {
    const list = await listOr404(db, c);
    const status = oneOf(c.req.query('status') ?? 'pending', ['pending', 'approved', 'rejected'] as const, 'status');
    return c.json({
      items: await db
        .select()
        .from(moderation)
        .where(and(eq(moderation.listId, list.id), eq(moderation.status, status)))
        .orderBy(asc(moderation.createdAt)),
    });
  });
  api.post('/moderation/:id', async (c) => {
    const decision = oneOf(
      field(await jsonBody(c), 'decision', { required: true }),
      ['approve', 'reject'] as const,
      'decision',
    );
    const result = await deps.transaction((tx, afterCommit) =>
      decide(tx, services, c.req.param('id'), decision, 'admin (api)', afterCommit),
    );
    if (!result.ok) return c.json({ error: result.reason }, result.reason.startsWith('no such') ? 404 : 409);
    return c.json({
      item: result.item,
      messageId: result.published?.message.id ?? null,
      threadId: result.published?.thread.id ?? null,
    });
  });
  return api;
}

class NotFound extends Error {}
