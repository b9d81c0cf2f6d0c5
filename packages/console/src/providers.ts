/**
 * The providers Compose can post as, besides SendGrid: the endpoints the host mounted (`postmarkInbound`,
 * `mailgunInbound`, `relayIngress`) and the credentials they take. Each post is the provider's own request, built
 * with @mailroom/core/testing's builders and sent through the server's fetch handler like SendGrid's.
 */
import type { BasicCredential } from '@mailroom/core/ingress';
import {
  mailgunMimeRequest,
  postmarkInboundRequest,
  relayRequest,
  sesNotificationRequest,
  type SnsTestSigner,
} from '@mailroom/core/testing';
import { ConsoleConfigurationError } from './auth.js';
import { ComposeError, type MessageDelivery } from './posts.js';
import type { WebhookAnswer, WebhookClient } from './webhooks.js';

/** Where the host mounted each provider's endpoint and what it authenticates with; SendGrid is always offered. */
export interface ConsoleProviders {
  /** `postmarkInbound(mailroom, { basic })`: posted as JSON with one of its credentials. */
  postmark?: { url?: string; basic: BasicCredential };
  /** `mailgunInbound(mailroom, { signingKey })`: posted as a signed `body-mime` form. */
  mailgun?: { url?: string; signingKey: string };
  /** `relayIngress(mailroom, { secrets })`: posted as `message/rfc822` with one of its secrets. */
  relay?: { url?: string; secret: string };
  /**
   * `sesInbound(mailroom, { topicArns, fetchCertificate: signer.fetchCertificate })`: posted as an SNS notification
   * signed by a test signer (`publishedSnsTestSigner()`), since only AWS holds SNS's keys: development only.
   */
  ses?: { url?: string; signer: SnsTestSigner; topicArn?: string };
}

export type ComposeProvider = 'sendgrid' | keyof ConsoleProviders;

/** Each provider's endpoint when its `url` is not given (a path on the server, or an absolute URL). */
const DEFAULT_URLS: Record<keyof ConsoleProviders, string> = {
  postmark: '/webhooks/postmark/inbound',
  mailgun: '/webhooks/mailgun/mime',
  relay: '/webhooks/raw',
  ses: '/webhooks/ses',
};

export const PROVIDER_LABELS: Record<ComposeProvider, string> = {
  sendgrid: 'SendGrid Inbound Parse',
  postmark: 'Postmark inbound webhook',
  mailgun: 'Mailgun route (body-mime)',
  relay: 'Relay (message/rfc822)',
  ses: 'Amazon SES via SNS (test-signed)',
};

/** The providers Compose offers, SendGrid first. */
export function composeProviders(providers: ConsoleProviders): ComposeProvider[] {
  return ['sendgrid', ...(['postmark', 'mailgun', 'relay', 'ses'] as const).filter((name) => providers[name])];
}

/** The endpoint Compose posts to as `provider` (for the page's explanation). */
export function providerUrl(providers: ConsoleProviders, provider: keyof ConsoleProviders): string {
  return providers[provider]?.url ?? DEFAULT_URLS[provider];
}

/** The options' providers, checked at construction: each one given needs its credential. */
export function checkedProviders(providers: ConsoleProviders | undefined, webhooks: boolean): ConsoleProviders {
  const given = providers ?? {};
  const fail = (reason: string) => {
    throw new ConsoleConfigurationError(`mailroomConsole: providers.${reason}`);
  };
  if (typeof given !== 'object' || given === null)
    throw new ConsoleConfigurationError('mailroomConsole: providers must be an object');
  for (const name of Object.keys(given)) {
    if (!(name in DEFAULT_URLS)) fail(`${name} is not a provider Compose posts as (postmark, mailgun, relay, ses)`);
    const url = (given as Record<string, { url?: unknown } | undefined>)[name]?.url;
    if (url !== undefined && (typeof url !== 'string' || !/^(\/|https?:\/\/)/i.test(url)))
      fail(`${name}.url must be a path on the server (/webhooks/…) or an http(s) URL`);
  }
  const { postmark, mailgun, relay, ses } = given;
  if (postmark && !(postmark.basic?.username && postmark.basic.password))
    fail('postmark needs basic: { username, password }, one of the credentials postmarkInbound takes');
  if (mailgun && !(typeof mailgun.signingKey === 'string' && mailgun.signingKey.trim()))
    fail('mailgun needs signingKey, the key mailgunInbound verifies with');
  if (relay && !(typeof relay.secret === 'string' && relay.secret))
    fail('relay needs secret, one of the secrets relayIngress takes');
  if (ses && !(typeof ses.signer?.sign === 'function' && typeof ses.signer.signingCertUrl === 'string'))
    fail('ses needs signer: a test signer (publishedSnsTestSigner()) whose fetchCertificate sesInbound was given');
  if (!webhooks && (postmark || mailgun || relay || ses))
    fail('need webhooks: createWebhookClient({ … }) sends them through your server');
  return given;
}

/** The provider a form or API post asked for ('' or absent: SendGrid); one not configured is a ComposeError. */
export function chooseProvider(value: unknown, providers: ConsoleProviders): ComposeProvider {
  const name = typeof value === 'string' ? value.trim() : Array.isArray(value) ? value[0] : undefined;
  if (name === undefined || name === '') return 'sendgrid';
  const offered = composeProviders(providers);
  if (typeof name === 'string' && (offered as string[]).includes(name)) return name as ComposeProvider;
  throw new ComposeError(
    `provider ${JSON.stringify(String(name).slice(0, 40))} is not configured for Compose; choose one of ${offered.join(', ')}`,
  );
}

/** Posts `delivery` as `provider` would: its request, to the endpoint the host mounted, through the server. */
export function postAs(
  webhooks: WebhookClient,
  providers: ConsoleProviders,
  provider: keyof ConsoleProviders,
  delivery: MessageDelivery,
): Promise<WebhookAnswer> {
  return webhooks.send(providerUrl(providers, provider), (url) => providerRequest(providers, provider, url, delivery));
}

function providerRequest(
  providers: ConsoleProviders,
  provider: keyof ConsoleProviders,
  url: string,
  { message, envelope }: MessageDelivery,
): Request {
  switch (provider) {
    case 'postmark':
      // Postmark's RawEmail starts with the Return-Path its MTA wrote (the endpoint reads the envelope sender there).
      return postmarkInboundRequest(Buffer.concat([Buffer.from(`Return-Path: <${envelope.from}>\r\n`), message]), {
        url,
        basic: providers.postmark!.basic,
        originalRecipient: envelope.to[0] ?? null,
      });
    case 'mailgun':
      return mailgunMimeRequest(message, {
        url,
        signingKey: providers.mailgun!.signingKey,
        recipient: envelope.to.join(','),
        sender: envelope.from,
      });
    case 'ses':
      // A receipt rule's SNS action: the message in `content` (BASE64 keeps 8-bit bytes), the envelope in `receipt`.
      return sesNotificationRequest(message, {
        url,
        signer: providers.ses!.signer,
        action: 'BASE64',
        recipients: envelope.to,
        ...(envelope.from ? { source: envelope.from } : {}),
        ...(providers.ses!.topicArn ? { topicArn: providers.ses!.topicArn } : {}),
      });
    case 'relay':
      // What `mailroom relay` sends (the relay endpoint's protocol): the bytes, the envelope in two headers,
      // checked by the endpoint's rules first (an address it would refuse is the form's error).
      try {
        return relayRequest(message, {
          url,
          secret: providers.relay!.secret,
          envelope,
          headers: { 'user-agent': 'mailroom-console' },
        });
      } catch (error) {
        throw new ComposeError(`the relay would refuse this envelope: ${(error as Error).message}`);
      }
  }
}
