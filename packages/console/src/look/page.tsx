/** The console's page frame (hono/jsx, server-rendered, no script) and its error page. */
import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import { ASSET_PATHS } from './assets.js';
import { at, hostLinks } from './base.js';

const NAV = [
  ['inbox', 'Inbox'],
  ['compose', 'Compose'],
  ['outbox', 'Outbox'],
  ['events', 'Events'],
] as const;

export type Section = (typeof NAV)[number][0];

export const CONSOLE_NAME = 'Mailroom console';

export function Page(props: {
  title: string;
  section?: Section | undefined;
  /** Seconds until the page reloads itself (a meta refresh: no script). */
  refresh?: number | undefined;
  narrow?: boolean;
  children?: Child;
}) {
  const title = props.title === CONSOLE_NAME ? CONSOLE_NAME : `${props.title} · ${CONSOLE_NAME}`;
  const links = hostLinks();
  return (
    <>
      {raw('<!doctype html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          {props.refresh ? <meta http-equiv="refresh" content={String(props.refresh)} /> : null}
          <title>{title}</title>
          <link rel="icon" type="image/svg+xml" href={at(ASSET_PATHS.favicon)} />
          <link rel="stylesheet" href={at(ASSET_PATHS.css)} />
        </head>
        <body class={props.narrow ? 'narrow' : 'wide'}>
          {links.length ? (
            <nav class="suite" aria-label="Host">
              <div class="wrap">
                {links.map((link) => (
                  <a href={link.href}>{link.label}</a>
                ))}
              </div>
            </nav>
          ) : null}
          <header class="appbar">
            <div class="wrap">
              <a class="brand" href={at('/inbox')}>
                <img src={at(ASSET_PATHS.favicon)} alt="" width={22} height={22} />
                {CONSOLE_NAME}
              </a>
              <nav aria-label={CONSOLE_NAME}>
                {NAV.map(([key, label]) => (
                  <a href={at(`/${key}`)} aria-current={props.section === key ? 'page' : undefined}>
                    {label}
                  </a>
                ))}
              </nav>
            </div>
          </header>
          <main class="wrap">{props.children}</main>
        </body>
      </html>
    </>
  );
}

export function ErrorPage(props: { status: number; title: string; message: Child }) {
  return (
    <Page title={props.title} narrow>
      <section class="error-page">
        <p class="code">{props.status}</p>
        <h1>{props.title}</h1>
        <p>{props.message}</p>
        <p>
          <a href={at('/inbox')}>Back to the inbox</a>
        </p>
      </section>
    </Page>
  );
}
