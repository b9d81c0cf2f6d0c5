import { Hono } from 'hono';
import { mailgunInbound, postmarkInbound, relayIngress, sesInbound, type WebhookTarget } from '../http/index.js';
import type {
  MailgunInboundOptions,
  PostmarkInboundOptions,
  RelayIngressOptions,
  SesInboundOptions,
} from '../ingress/index.js';

/** The providers `mailroom.webhooks()` mounts beside SendGrid's, each with its own authentication settings. */
export interface MailroomWebhookProviders {
  /** `POST /postmark/inbound`: the basic credentials written in Postmark's webhook URL. */
  postmark?: PostmarkInboundOptions;
  /** `POST /mailgun/mime`: Mailgun's webhook signing key (a route's `forward("…/mailgun/mime")`). */
  mailgun?: MailgunInboundOptions;
  /** `POST /ses`: the SNS topics SES receipt rules publish to (and an S3 reader for the S3 action). */
  ses?: SesInboundOptions;
  /** `POST /raw`: the relay's bearer secrets (`mailroom relay`, an MTA's pipe, a Cloudflare Email Worker). */
  relay?: RelayIngressOptions;
}

/**
 * SendGrid's webhooks under `/sendgrid` (`/sendgrid/parse`, `/sendgrid/events`: `mailroom.app()`) and each
 * configured provider under its own path; a provider not configured has no route (404).
 */
export function webhooksApp(mailroom: WebhookTarget, sendgrid: Hono, providers: MailroomWebhookProviders): Hono {
  const app = new Hono();
  app.route('/sendgrid', sendgrid);
  if (providers.postmark) app.route('/postmark', postmarkInbound(mailroom, providers.postmark));
  if (providers.mailgun) app.route('/mailgun', mailgunInbound(mailroom, providers.mailgun));
  if (providers.ses) app.route('/ses', sesInbound(mailroom, providers.ses));
  if (providers.relay) app.route('/raw', relayIngress(mailroom, providers.relay));
  return app;
}
