/**
 * Postmark's inbound webhook and Mailgun's raw-MIME routes on the demo server: mounted when configured
 * (`POSTMARK_INBOUND_BASIC=user:pass`, `MAILGUN_WEBHOOK_SIGNING_KEY`), or in development with values derived from
 * the demo's secret (the same after a restart, so a tunnel's webhook URL keeps working), and listed on the home page.
 */
import type { Hono } from 'hono';
import type { Mailroom } from '@mailroom/core';
import { parseBasicCredentials } from '@mailroom/core/http';
import { mailgunInbound, postmarkInbound, type BasicCredential } from '@mailroom/core/ingress';

export interface ProviderWebhooksConfig {
  development: boolean;
  /** `POSTMARK_INBOUND_BASIC`: the credentials in Postmark's webhook URL. */
  postmarkBasic: BasicCredential[];
  /** `MAILGUN_WEBHOOK_SIGNING_KEY`: Mailgun's HTTP webhook signing key. */
  mailgunSigningKey: string | null;
}

/** The two variables (a malformed POSTMARK_INBOUND_BASIC is a configuration error, one line at start). */
export function providerWebhooksFromEnv(
  env: Record<string, string | undefined>,
  development: boolean,
): ProviderWebhooksConfig {
  return {
    development,
    postmarkBasic: parseBasicCredentials(env.POSTMARK_INBOUND_BASIC, 'POSTMARK_INBOUND_BASIC'),
    mailgunSigningKey: env.MAILGUN_WEBHOOK_SIGNING_KEY?.trim() || null,
  };
}

/** One mounted provider endpoint, for the home page and the banner. */
export interface ProviderWebhook {
  label: string;
  endpoint: string;
  detail: string;
}

export function mountProviderWebhooks(
  root: Hono,
  mailroom: Mailroom<object>,
  config: ProviderWebhooksConfig,
  secretFor: (purpose: string) => string,
): ProviderWebhook[] {
  const mounted: ProviderWebhook[] = [];
  const postmark = config.postmarkBasic.length
    ? config.postmarkBasic
    : config.development
      ? [{ username: 'postmark', password: secretFor('postmark-inbound') }]
      : [];
  if (postmark.length) {
    root.route('/webhooks/postmark', postmarkInbound(mailroom, { basic: postmark }));
    mounted.push({
      label: 'Postmark inbound',
      endpoint: 'POST /webhooks/postmark/inbound',
      detail: config.postmarkBasic.length
        ? 'basic credentials from POSTMARK_INBOUND_BASIC'
        : `development credentials ${postmark[0]!.username}:${postmark[0]!.password} (set POSTMARK_INBOUND_BASIC)`,
    });
  }
  const signingKey = config.mailgunSigningKey ?? (config.development ? secretFor('mailgun-signing-key') : null);
  if (signingKey) {
    root.route('/webhooks/mailgun', mailgunInbound(mailroom, { signingKey }));
    mounted.push({
      label: 'Mailgun route',
      endpoint: 'POST /webhooks/mailgun/mime',
      detail: config.mailgunSigningKey
        ? 'signed with MAILGUN_WEBHOOK_SIGNING_KEY'
        : `development signing key ${signingKey} (set MAILGUN_WEBHOOK_SIGNING_KEY)`,
    });
  }
  return mounted;
}
