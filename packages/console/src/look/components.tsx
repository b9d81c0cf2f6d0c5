/** The pieces the pages repeat (from the sample apps' kit): heading, flash, empty state, badge, table, time, field, select. */
import type { Child } from 'hono/jsx';

/** The page's h1 with an optional line under it and actions on the right. */
export function PageHead(props: {
  title: Child;
  sub?: Child;
  actions?: Child;
  back?: { href: string; label: string };
}) {
  return (
    <>
      {props.back ? (
        <p class="back">
          <a href={props.back.href}>← {props.back.label}</a>
        </p>
      ) : null}
      <div class="page-head">
        <div>
          <h1>{props.title}</h1>
          {props.sub ? <p class="sub">{props.sub}</p> : null}
        </div>
        {props.actions ? <div class="actions">{props.actions}</div> : null}
      </div>
    </>
  );
}

export type FlashKind = 'info' | 'ok' | 'warn' | 'error';

/** A status line (role=status) or, for `error`, an alert. Renders nothing without content. */
export function Flash(props: { kind?: FlashKind; children?: Child }) {
  if (props.children === undefined || props.children === null || props.children === '') return null;
  const kind = props.kind ?? 'info';
  return (
    <p class={`flash ${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {props.children}
    </p>
  );
}

export function Empty(props: { children?: Child }) {
  return <div class="empty">{props.children}</div>;
}

/** A status word as a coloured pill; the colour comes from the value (delivered, pending, failed…) or `tone`. */
export function Badge(props: {
  value: string | null | undefined;
  tone?: 'ok' | 'warn' | 'bad' | 'muted';
  title?: string;
}) {
  return (
    <span class={`badge ${props.tone ?? props.value ?? ''}`} title={props.title}>
      {props.value ?? '—'}
    </span>
  );
}

/**
 * A table in a card that scrolls inside itself if it must (never the page); `empty` shows instead when there are no
 * rows. `cols` names a class per column (`<col>`) for fixed widths; class `stack` turns rows into cards on a phone.
 */
export function Table(props: {
  head: Child[];
  rows: readonly unknown[];
  empty?: Child;
  class?: string;
  cols?: string[];
  children?: Child;
}) {
  if (props.rows.length === 0 && props.empty) return <Empty>{props.empty}</Empty>;
  return (
    <div class="table">
      <table class={props.class}>
        {props.cols ? (
          <colgroup>
            {props.cols.map((name) => (
              <col class={name} />
            ))}
          </colgroup>
        ) : null}
        <thead>
          <tr>
            {props.head.map((cell) => (
              <th>{cell}</th>
            ))}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}

/** A UTC timestamp to the minute (or second), machine-readable in `datetime`. */
export function Time(props: { value: Date | string | null | undefined; seconds?: boolean }) {
  if (!props.value) return <span class="muted">—</span>;
  const iso = new Date(props.value).toISOString();
  return <time datetime={iso}>{iso.replace('T', ' ').slice(0, props.seconds ? 19 : 16)}</time>;
}

type InputAttributes = Record<string, string | number | boolean | undefined>;

/** A labelled input; every other attribute (type, required, autocomplete, value…) goes to the input. */
export function Field(
  props: { label: Child; name: string; id?: string; hint?: Child; class?: string } & InputAttributes,
) {
  const { label, hint, class: className, ...input } = props;
  const id = props.id ?? `field-${props.name}`;
  return (
    <div class={className ? `field ${className}` : 'field'}>
      <label for={id}>{label}</label>
      <input {...input} id={id} />
      {hint ? <p class="hint">{hint}</p> : null}
    </div>
  );
}

type Options = readonly (string | readonly [string, string])[];

/** A select of options, each a value or `[value, text]`; `label` is its accessible name when no visible label goes with it. */
export function Select(props: {
  name: string;
  id?: string;
  options: Options;
  selected?: string | null;
  label?: string;
  class?: string;
}) {
  return (
    <select id={props.id} name={props.name} aria-label={props.label} class={props.class}>
      {props.options.map((option) => {
        const [value, text] = typeof option === 'string' ? [option, option] : option;
        return (
          <option value={value} selected={value === props.selected}>
            {text}
          </option>
        );
      })}
    </select>
  );
}
