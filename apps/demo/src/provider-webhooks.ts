/**
 * Postmark's inbound webhook and Mailgun's raw-MIME routes on the demo server: mounted when configured
 * (`POSTMARK_INBOUND_BASIC=user:pass`, `MAILGUN_WEBHOOK_SIGNING_KEY`), or in development with values derived from
 * the demo's secret (the same after a restart, so a tunnel's webhook URL keeps working), and listed on the home page.
 * SES through SNS (`POST /webhooks/ses`): with `SES_SNS_TOPIC_ARNS` (comma-separated topic ARNs) it verifies AWS's
 * signatures; in development without it, it verifies the testing kit's published SNS test key instead (AWS's keys
 * are AWS's), so the console's Compose can post as SES. Never in production: anyone can sign with that key.
 */
import type { Hono } from 'hono';
import type { ConsoleProviders } from '@mailroom/console';
import type { Mailroom } from '@mailroom/core';
import { parseBasicCredentials } from '@mailroom/core/http';
import { mailgunInbound, postmarkInbound, sesInbound } from '@mailroom/core/http';
import type { BasicCredential } from '@mailroom/core/ingress';
import { DEFAULT_SNS_TOPIC_ARN, publishedSnsTestSigner } from '@mailroom/core/testing';

export interface ProviderWebhooksConfig {
  development: boolean;
  /** `POSTMARK_INBOUND_BASIC`: the credentials in Postmark's webhook URL. */
  postmarkBasic: BasicCredential[];
  /** `MAILGUN_WEBHOOK_SIGNING_KEY`: Mailgun's HTTP webhook signing key. */
  mailgunSigningKey: string | null;
  /** `SES_SNS_TOPIC_ARNS`: the SNS topics SES receipt rules publish to (comma-separated). */
  sesTopicArns: string[];
}

/** The three variables (a malformed POSTMARK_INBOUND_BASIC is a configuration error, one line at start). */
export function providerWebhooksFromEnv(
  env: Record<string, string | undefined>,
  development: boolean,
): ProviderWebhooksConfig {
  return {
    development,
    postmarkBasic: parseBasicCredentials(env.POSTMARK_INBOUND_BASIC, 'POSTMARK_INBOUND_BASIC'),
    mailgunSigningKey: env.MAILGUN_WEBHOOK_SIGNING_KEY?.trim() || null,
    sesTopicArns: (env.SES_SNS_TOPIC_ARNS ?? '')
      .split(',')
      .map((arn) => arn.trim())
      .filter(Boolean),
  };
}

/** One mounted provider endpoint, for the home page and the banner. */
export interface ProviderWebhook {
  label: string;
  endpoint: string;
  detail: string;
  /** What the console's Compose needs to post here as this provider (none: Compose cannot, e.g. SES). */
  compose?: ConsoleProviders;
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
      compose: { postmark: { url: '/webhooks/postmark/inbound', basic: postmark[0]! } },
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
      compose: { mailgun: { url: '/webhooks/mailgun/mime', signingKey } },
    });
  }
  if (config.sesTopicArns.length) {
    // A malformed ARN is an IngressConfigurationError: one line at start, like a malformed POSTMARK_INBOUND_BASIC.
    root.route('/webhooks/ses', sesInbound(mailroom, { topicArns: config.sesTopicArns }));
    mounted.push({
      label: 'Amazon SES (SNS)',
      endpoint: 'POST /webhooks/ses',
      detail: `SNS topics from SES_SNS_TOPIC_ARNS: ${config.sesTopicArns.join(', ')} (SNS action; no S3 reader)`,
    });
  } else if (config.development) {
    const signer = publishedSnsTestSigner();
    const topicArns = [DEFAULT_SNS_TOPIC_ARN];
    root.route('/webhooks/ses', sesInbound(mailroom, { topicArns, fetchCertificate: signer.fetchCertificate }));
    mounted.push({
      label: 'Amazon SES (SNS)',
      endpoint: 'POST /webhooks/ses',
      detail: `development: SNS posts signed with the testing kit's published test key, topic ${DEFAULT_SNS_TOPIC_ARN} (set SES_SNS_TOPIC_ARNS for AWS's)`,
      compose: { ses: { url: '/webhooks/ses', signer } },
    });
  }
  return mounted;
}
