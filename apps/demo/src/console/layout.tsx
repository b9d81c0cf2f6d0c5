/** The console's page frame and shared bits: the kit's layout and components (hono/jsx, server-rendered, no scripts). */
import { Flash, Page, Time as KitTime } from '@mailroom/app-kit';
import type { Child } from 'hono/jsx';

import { Badge } from '@mailroom/app-kit';

export { Badge };

const NAV = [
  ['inbox', 'Inbox'],
  ['compose', 'Compose'],
  ['outbox', 'Outbox'],
  ['events', 'Events'],
] as const;

/** The console is served at /console (its stylesheet and favicon too: it may sit behind its own basic auth). */
export const CONSOLE_APP = { name: 'Mailroom console', home: '/console/inbox', base: '/console' };

export function Layout(props: {
  title: string;
  section?: (typeof NAV)[number][0];
  refresh?: number | undefined;
  children?: Child;
}) {
  const nav = NAV.map(([key, label]) => ({ href: `/console/${key}`, label, current: props.section === key }));
  return (
    <Page title={props.title} app={CONSOLE_APP} nav={nav} refresh={props.refresh}>
      {props.children}
    </Page>
  );
}

/** A list row's first cells, the same in the inbox and the outbox: when, and its status. */
export function WhenAndStatus(props: { at: Date | null | undefined; status: string }) {
  return (
    <>
      <td class="small">
        <Time value={props.at} />
      </td>
      <td>
        <Badge value={props.status} />
      </td>
    </>
  );
}

/** A small cell clipped to its column, the whole value in its title. */
export function ClipCell(props: { value: string | null | undefined; fallback?: string }) {
  return (
    <td class="small">
      <span class="clip" title={props.value ?? undefined}>
        {props.value ?? props.fallback}
      </span>
    </td>
  );
}

/** A `dt`/`dd` pair, left out when there is nothing to show. */
export function OptionalFact(props: { term: string; value: string | null | undefined; class?: string }) {
  if (!props.value) return null;
  return (
    <>
      <dt>{props.term}</dt>
      <dd class={props.class}>{props.value}</dd>
    </>
  );
}

/** Timestamps to the second: the console is for following mail as it moves. */
export function Time(props: { value: Date | null | undefined }) {
  return <KitTime value={props.value} seconds />;
}

/** A sandboxed preview of untrusted HTML: srcdoc is an escaped attribute, the frame may run nothing and load nothing remote. */
export function HtmlPreview(props: { html: string; title: string }) {
  const policy = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">`;
  return (
    <iframe class="preview" sandbox="" title={props.title} srcdoc={policy + props.html} referrerpolicy="no-referrer" />
  );
}

/** An email's text part, and its HTML part in a sandboxed preview. */
export function MessageBody(props: {
  text: string | null | undefined;
  html: string | null | undefined;
  textClass?: string;
}) {
  return (
    <>
      <h2>Text</h2>
      <pre class={props.textClass ? `light ${props.textClass}` : 'light'}>{props.text ?? '(no text part)'}</pre>
      {props.html ? (
        <>
          <h2>HTML (sandboxed preview)</h2>
          <HtmlPreview html={props.html} title="HTML part" />
        </>
      ) : null}
    </>
  );
}

export function Notice(props: { kind?: 'error'; children?: Child }) {
  return <Flash kind={props.kind ?? 'info'}>{props.children}</Flash>;
}
