/** The console's page frame and shared bits: the kit's layout and components (hono/jsx, server-rendered, no scripts). */
import { Flash, Page, Time as KitTime } from '@mailroom/app-kit';
import type { Child } from 'hono/jsx';

export { Badge } from '@mailroom/app-kit';

const NAV = [
  ['inbox', 'Inbox'],
  ['compose', 'Compose'],
  ['outbox', 'Outbox'],
  ['events', 'Events'],
] as const;

/** The console is served at /console (its stylesheet and favicon too: it may sit behind its own basic auth). */
export const CONSOLE_APP = { name: 'Mailroom console', home: '/console/inbox', base: '/console' };

export function Layout(props: { title: string; section?: (typeof NAV)[number][0]; refresh?: number | undefined; children?: Child }) {
  const nav = NAV.map(([key, label]) => ({ href: `/console/${key}`, label, current: props.section === key }));
  return (
    <Page title={props.title} app={CONSOLE_APP} nav={nav} refresh={props.refresh}>
      {props.children}
    </Page>
  );
}

/** Timestamps to the second: the console is for following mail as it moves. */
export function Time(props: { value: Date | null | undefined }) {
  return <KitTime value={props.value} seconds />;
}

/** A sandboxed preview of untrusted HTML: srcdoc is an escaped attribute, the frame may run nothing and load nothing remote. */
export function HtmlPreview(props: { html: string; title: string }) {
  const policy = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">`;
  return <iframe class="preview" sandbox="" title={props.title} srcdoc={policy + props.html} referrerpolicy="no-referrer" />;
}

/** An email's text part, and its HTML part in a sandboxed preview. */
export function MessageBody(props: { text: string | null | undefined; html: string | null | undefined; textClass?: string }) {
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
