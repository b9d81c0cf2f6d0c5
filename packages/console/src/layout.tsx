/** The console's shared bits on top of its look: the page frame with the console's nav, list cells, facts, bodies. */
import type { Child } from 'hono/jsx';
import { Badge, Flash, Page, Time as LookTime, type Section } from './look/index.js';

export { Badge };

export function Layout(props: { title: string; section?: Section; refresh?: number | undefined; children?: Child }) {
  return (
    <Page title={props.title} section={props.section} refresh={props.refresh}>
      {props.children}
    </Page>
  );
}

/** A list row's first cells, the same in the inbox and the outbox: when, and its status. */
export function WhenAndStatus(props: { at: Date | null | undefined; status: string; label?: string }) {
  return (
    <>
      <td class="small" data-label={props.label}>
        <Time value={props.at} />
      </td>
      <td data-label="Status">
        <Badge value={props.status} />
      </td>
    </>
  );
}

/** A small cell clipped to its column, the whole value in its title. */
export function ClipCell(props: { value: string | null | undefined; fallback?: string; label?: string }) {
  return (
    <td class="small" data-label={props.label}>
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
  return <LookTime value={props.value} seconds />;
}

/** A preview of untrusted HTML: its own URL (sanitized, with a sandboxing CSP) in a frame that may run nothing. */
export function HtmlPreview(props: { src: string; title: string }) {
  return <iframe class="preview" sandbox="" title={props.title} src={props.src} referrerpolicy="no-referrer" />;
}

/** An email's text part, and its HTML part (when it has one) in a sandboxed preview. */
export function MessageBody(props: {
  text: string | null | undefined;
  /** The console URL of the HTML part, null without one. */
  htmlSrc: string | null;
  textClass?: string;
}) {
  return (
    <>
      <h2>Text</h2>
      <pre class={props.textClass ? `light ${props.textClass}` : 'light'}>{props.text ?? '(no text part)'}</pre>
      {props.htmlSrc ? (
        <>
          <h2>HTML (sanitized, sandboxed preview)</h2>
          <HtmlPreview src={props.htmlSrc} title="HTML part" />
        </>
      ) : null}
    </>
  );
}

export function Notice(props: { kind?: 'error'; children?: Child }) {
  return <Flash kind={props.kind ?? 'info'}>{props.children}</Flash>;
}
