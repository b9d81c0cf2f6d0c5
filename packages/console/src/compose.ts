/**
 * Turns compose input (form fields, JSON, a pasted .eml) into a post and sends it through the webhook: SendGrid's
 * Inbound Parse post, or the request of the provider chosen (`provider`, one the host configured).
 */
import type { ComposeFormValues } from './compose-views.js';
import {
  addressList,
  composeMessage,
  composePost,
  ComposeError,
  emlDelivery,
  emlPost,
  type AuthResult,
  type ComposeAttachment,
} from './posts.js';
import { chooseProvider, postAs, type ConsoleProviders } from './providers.js';
import type { WebhookAnswer, WebhookClient } from './webhooks.js';

export interface ComposeOutcome {
  answer: WebhookAnswer;
  /** The stored inbound email, when the webhook accepted the post. */
  id: string | null;
  duplicate: boolean;
}

const AUTH_RESULTS: readonly AuthResult[] = ['pass', 'fail', 'none'];

function text(value: unknown): string {
  if (Array.isArray(value)) return text(value[0]);
  return typeof value === 'string' ? value : '';
}

function outcome(answer: WebhookAnswer): ComposeOutcome {
  const body = answer.body as { id?: unknown; duplicate?: unknown } | null;
  const ok = answer.status >= 200 && answer.status < 300 && typeof body?.id === 'string';
  return { answer, id: ok ? (body!.id as string) : null, duplicate: ok && body!.duplicate === true };
}

/** Compose-form values from query parameters (the "try it" and "reply as recipient" links). */
export function composeValuesFrom(
  query: Record<string, string | undefined>,
  defaults: ComposeFormValues,
): ComposeFormValues {
  const pick = (name: keyof ComposeFormValues) => query[name] ?? defaults[name];
  const auth = query.auth as AuthResult | undefined;
  return {
    mode: query.mode === 'raw' ? 'raw' : 'parsed',
    from: pick('from'),
    to: pick('to'),
    cc: pick('cc'),
    bcc: pick('bcc'),
    subject: pick('subject'),
    text: pick('text'),
    html: pick('html'),
    inReplyTo: pick('inReplyTo'),
    references: pick('references'),
    auth: auth && AUTH_RESULTS.includes(auth) ? auth : 'pass',
    sample: query.sample === 'photo' ? 'photo' : '',
    provider: pick('provider'),
  };
}

export interface ComposeFields {
  mode?: unknown;
  from?: unknown;
  to?: unknown;
  cc?: unknown;
  bcc?: unknown;
  subject?: unknown;
  text?: unknown;
  html?: unknown;
  inReplyTo?: unknown;
  references?: unknown;
  auth?: unknown;
  sample?: unknown;
  /** `sendgrid` (default), or a provider of the console's `providers`. */
  provider?: unknown;
}

/** Where Compose posts: the webhook client, and the other providers the host mounted. */
export interface ComposeTarget {
  webhooks: WebhookClient;
  providers: ConsoleProviders;
}

/** Sends one composed email: `fields` from the form or the JSON API, `attachments` already read. */
export async function sendComposed(
  { webhooks, providers }: ComposeTarget,
  fields: ComposeFields,
  attachments: ComposeAttachment[],
  sample: ComposeAttachment | null = null,
): Promise<ComposeOutcome> {
  const provider = chooseProvider(fields.provider, providers);
  const auth = text(fields.auth) as AuthResult;
  const references = text(fields.references)
    .split(/[\s,]+/)
    .filter(Boolean);
  const files = [...attachments];
  if (sample && text(fields.sample) === 'photo') files.push(sample);
  const input = {
    mode: text(fields.mode) === 'raw' ? ('raw' as const) : ('parsed' as const),
    from: text(fields.from).trim(),
    to: addressList(fields.to),
    cc: addressList(fields.cc),
    bcc: addressList(fields.bcc),
    subject: text(fields.subject),
    text: text(fields.text).replace(/\r\n/g, '\n'),
    html: text(fields.html),
    inReplyTo: text(fields.inReplyTo).trim(),
    references,
    attachments: files,
    auth: AUTH_RESULTS.includes(auth) ? auth : 'pass',
  };
  if (provider === 'sendgrid') return outcome(await webhooks.postInbound(composePost(input)));
  return outcome(await postAs(webhooks, providers, provider, composeMessage(input)));
}

/** Posts a pasted .eml: in SendGrid's raw mode, or as the chosen provider. */
export async function sendEml(
  { webhooks, providers }: ComposeTarget,
  eml: Buffer,
  fields: { envelope?: unknown; auth?: unknown; provider?: unknown },
): Promise<ComposeOutcome> {
  const provider = chooseProvider(fields.provider, providers);
  if (eml.length === 0) throw new ComposeError('paste a message or choose an .eml file');
  const result = text(fields.auth) as AuthResult;
  const envelopeTo = addressList(fields.envelope).map((a) => /<([^<>]+)>$/.exec(a)?.[1] ?? a);
  if (provider !== 'sendgrid')
    return outcome(await postAs(webhooks, providers, provider, emlDelivery(eml, { envelopeTo })));
  const post = emlPost(eml, { envelopeTo, auth: AUTH_RESULTS.includes(result) ? result : 'pass' });
  return outcome(await webhooks.postInbound(post));
}

/** A human sentence for a webhook refusal. */
export function describeRefusal(answer: WebhookAnswer): string {
  const body = answer.body as { error?: unknown; reason?: unknown } | string | null;
  const reason =
    typeof body === 'string' ? body : [body?.error, body?.reason].filter((x) => typeof x === 'string').join(': ');
  return `The webhook answered ${answer.status}${reason ? ` — ${reason}` : ''}`;
}

export { ComposeError };
