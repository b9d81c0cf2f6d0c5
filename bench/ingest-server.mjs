// Child process for the HTTP ingest benchmark (P3): one server, one kind, one database.
//   KIND=mailroom  mailroom.app() (verify signature, parse, durable ingest, worker with a trivial route)
//   KIND=mailroom-receive  the same receiver with its worker off during the load (the scale-out shape: receivers
//                  answer SendGrid, workers elsewhere process); the backlog is drained before exit
//   KIND=bare      a bare Hono endpoint that reads the body and INSERTs it into the same database
// Environment: KIND, DATABASE_URL (PostgreSQL) or PGLITE_DIR (PGlite data directory), PUBLIC_KEY (mailroom),
//   BASIC (mailroom, optional): `user:password`, basic auth instead of signatures (the peers bench: every system
//   gets the same credential); FIDELITY=1 (mailroom, PostgreSQL): the route stores each email's fields in
//   bench_messages, the row every peer stores (bench/peers.mjs reads it back),
//   PARSE_RAW (mailroom): `on-receipt` or `in-worker` (default: the library's, on-receipt),
//   PROCESSES (default 1): that many server processes sharing the port through node:cluster (PostgreSQL only).
// Prints `listening <port>` once ready; on SIGTERM prints `stats <json>` (handler runs) and exits.
import cluster from 'node:cluster';
import { serve } from '@hono/node-server';
import { PGlite } from '@electric-sql/pglite';
import { Hono } from 'hono';
import postgres from 'postgres';
import { createMailroom, openStore, silentLogger } from '@mailroom/core';

const processes = Math.max(1, Number(process.env.PROCESSES ?? 1));
if (processes > 1 && cluster.isPrimary) {
  // The primary only forks and reports: the same server code runs in each worker, on one shared port.
  // One at a time, so table creation and migrations never race.
  const workers = [];
  let port;
  for (let i = 0; i < processes; i++) {
    const worker = cluster.fork();
    workers.push(worker);
    port = await new Promise((resolve) => worker.on('message', (m) => m.listening && resolve(m.listening)));
  }
  process.stdout.write(`listening ${port}\n`);
  process.on('SIGTERM', async () => {
    const stats = await Promise.all(
      workers.map(
        (worker) =>
          new Promise((resolve) => {
            worker.on('message', (m) => m.stats && resolve(m.stats));
            worker.send('stop');
          }),
      ),
    );
    process.stdout.write(`stats ${JSON.stringify({ handled: stats.reduce((n, s) => n + s.handled, 0), processes })}\n`);
    process.exit(0);
  });
} else {
  await runServer();
}

async function runServer() {
  const kind = process.env.KIND;
  const databaseUrl = process.env.DATABASE_URL ?? '';
  const pgliteDir = process.env.PGLITE_DIR;
  let handled = 0;
  let close = async () => {};

  const BARE_TABLE = `create table if not exists bench_bare_posts (
    id bigserial primary key, content_type text not null, body bytea not null, received_at timestamptz not null default now())`;

  let app;
  if (kind === 'mailroom' || kind === 'mailroom-receive') {
    const receiveOnly = kind === 'mailroom-receive';
    const store = await openStore({ databaseUrl, dataDir: pgliteDir, logger: silentLogger });
    const basic = process.env.BASIC;
    const colon = basic ? basic.indexOf(':') : -1;
    const security = basic
      ? { basic: [{ username: basic.slice(0, colon), password: basic.slice(colon + 1) }] }
      : { publicKeys: [process.env.PUBLIC_KEY] };
    const mailroom = createMailroom({
      store,
      security,
      logger: silentLogger,
      worker: { autoStart: !receiveOnly },
      ...(process.env.PARSE_RAW ? { parseRaw: process.env.PARSE_RAW } : {}), // unset: the library's default
    });
    // A trivial route: the worker parses the stored post, routes it and records `delivered`.
    const record = process.env.FIDELITY === '1' ? await fidelityRecorder(databaseUrl) : null;
    mailroom.route('bench', '*@bench.example.com', async ({ email }) => {
      handled++;
      if (record) await record(email);
    });
    if (!receiveOnly) mailroom.start();
    app = new Hono().route('/webhooks/sendgrid', mailroom.app());
    close = async () => {
      await mailroom.drain(); // the backlog the load left behind, so every stored post is processed
      await mailroom.stop();
      await store.close();
      await record?.end();
    };
  } else if (kind === 'bare') {
    let insert;
    if (databaseUrl) {
      // The same pool size as the store's default (10 connections).
      const sql = postgres(databaseUrl, { max: 10, onnotice: () => {} });
      await sql.unsafe(BARE_TABLE);
      insert = (contentType, body) =>
        sql`insert into bench_bare_posts (content_type, body) values (${contentType}, ${body})`;
      close = () => sql.end({ timeout: 5 });
    } else {
      const db = await PGlite.create(`${pgliteDir}/bare`);
      await db.exec(BARE_TABLE);
      insert = (contentType, body) =>
        db.query('insert into bench_bare_posts (content_type, body) values ($1, $2)', [contentType, body]);
      close = () => db.close();
    }
    app = new Hono().post('/webhooks/sendgrid/parse', async (c) => {
      const body = new Uint8Array(await c.req.arrayBuffer());
      await insert(c.req.header('content-type') ?? '', body);
      handled++;
      return c.json({ ok: true });
    });
  } else {
    throw new Error(`unknown KIND ${kind}`);
  }

  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
    if (cluster.isWorker) process.send({ listening: info.port });
    else process.stdout.write(`listening ${info.port}\n`);
  });

  const stop = async () => {
    server.close();
    await close().catch(() => {});
    if (cluster.isWorker) {
      process.send({ stats: { handled } }, () => process.exit(0));
      return;
    }
    process.stdout.write(`stats ${JSON.stringify({ handled })}\n`);
    process.exit(0);
  };
  if (cluster.isWorker) {
    process.on('message', (m) => m === 'stop' && void stop());
    process.on('disconnect', () => process.exit(1)); // the primary is gone
  }
  if (!cluster.isWorker) process.on('SIGTERM', () => void stop());
}

/** The fidelity route's store: each email's fields as an app reads them, in the row every peer stores. */
async function fidelityRecorder(databaseUrl) {
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
  await sql.unsafe(`create table if not exists bench_messages (id bigserial primary key, message_id text,
    subject text, from_address text, recipients text, text_body text, attachments text)`);
  const record = async (email) => {
    const attachments = [];
    for (const a of email.attachments) {
      const sha256 = await a.digest();
      attachments.push({ filename: a.filename, size: a.size, sha256 });
    }
    const recipients = [...email.to, ...email.cc].map((a) => a.address);
    for (const to of email.envelope.to) if (!recipients.includes(to)) recipients.push(to);
    await sql`insert into bench_messages (message_id, subject, from_address, recipients, text_body, attachments)
      values (${email.messageId ?? ''}, ${email.subject}, ${email.from?.address ?? ''}, ${JSON.stringify(recipients)},
              ${email.text}, ${JSON.stringify(attachments)})`;
  };
  record.end = () => sql.end({ timeout: 5 });
  return record;
}
