/** The one page frame of every app: suite bar (in the demo), app bar with nav and account, main, footer. */
import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import { KIT_ASSET_PATHS } from './assets.js';
import { currentSuite } from './suite.js';

export interface NavItem {
  href: string;
  label: string;
  /** Marks the link as the current section (aria-current). */
  current?: boolean;
}

export interface PageProps {
  /** The document title (the app name is appended). */
  title: string;
  /** The app: its name in the bar, its home link, and the base path its kit assets are served under ('' at the root). */
  app: { name: string; home: string; base: string };
  nav?: NavItem[];
  /** The right side of the app bar: who is signed in, a sign-out form. */
  account?: Child;
  /** `narrow` for forms and short pages, `reading` for prose (serif, one column); default wide. */
  width?: 'wide' | 'narrow' | 'reading';
  /** Extra stylesheets of the app (same origin). */
  stylesheets?: string[];
  /** Extra `<head>` elements (feeds, meta). */
  head?: Child;
  description?: string;
  /** Seconds until the page reloads itself (no script: a meta refresh). */
  refresh?: number | undefined;
  footer?: Child;
  /** Show the suite bar when there is one (default true; a page whose own nav is the suite says false). */
  suite?: boolean;
  children?: Child;
}

export function Page(props: PageProps) {
  const { app } = props;
  const suite = props.suite === false ? [] : currentSuite();
  const title = props.title === app.name ? app.name : `${props.title} · ${app.name}`;
  return (
    <>
      {raw('<!doctype html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          {props.refresh ? <meta http-equiv="refresh" content={String(props.refresh)} /> : null}
          <title>{title}</title>
          {props.description ? <meta name="description" content={props.description} /> : null}
          <link rel="icon" type="image/svg+xml" href={`${app.base}${KIT_ASSET_PATHS.favicon}`} />
          <link rel="stylesheet" href={`${app.base}${KIT_ASSET_PATHS.css}`} />
          {(props.stylesheets ?? []).map((href) => (
            <link rel="stylesheet" href={href} />
          ))}
          {props.head}
        </head>
        <body class={props.width ?? 'wide'}>
          {suite.length ? <SuiteBar links={suite} home={app.home} /> : null}
          <header class="appbar">
            <div class="wrap">
              <a class="brand" href={app.home}>
                <img src={`${app.base}${KIT_ASSET_PATHS.favicon}`} alt="" width={22} height={22} />
                {app.name}
              </a>
              {props.nav?.length ? (
                <nav aria-label={app.name}>
                  {props.nav.map((item) => (
                    <a href={item.href} aria-current={item.current ? 'page' : undefined}>
                      {item.label}
                    </a>
                  ))}
                </nav>
              ) : null}
              {props.account ? <div class="account">{props.account}</div> : null}
            </div>
          </header>
          <main class="wrap">{props.children}</main>
          {props.footer ? (
            <footer class="site">
              <div class="wrap">{props.footer}</div>
            </footer>
          ) : null}
        </body>
      </html>
    </>
  );
}

function SuiteBar(props: { links: readonly { href: string; label: string }[]; home: string }) {
  const home = trimSlash(props.home);
  const here = (href: string) => href !== '/' && (home === trimSlash(href) || home.startsWith(`${trimSlash(href)}/`));
  return (
    <nav class="suite" aria-label="Demo">
      <div class="wrap">
        <span class="label">Mailroom demo</span>
        {props.links.map((link) => (
          <a href={link.href} aria-current={here(link.href) ? 'true' : undefined}>
            {link.label}
          </a>
        ))}
      </div>
    </nav>
  );
}

const trimSlash = (path: string) => (path.endsWith('/') ? path.slice(0, -1) : path);
