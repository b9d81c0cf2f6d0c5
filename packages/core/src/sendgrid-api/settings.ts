import type { SendGridApiClient } from './client.js';
import { SendGridApiError } from './client.js';

// Shapes as SendGrid documents them (twilio.com/docs/sendgrid/api-reference/…):
// - settings-inbound-parse/retrieve-all-parse-settings: GET /v3/user/webhooks/parse/settings → { result: [setting] }
// - settings-inbound-parse/create-a-parse-setting (POST) and update-a-parse-setting (PATCH …/{hostname}) → the
//   setting { hostname, url, spam_check, send_raw } (plus `security_policy`, the id of an attached policy)
// - settings-inbound-parse/create-a-parse-webhook-security-policy: POST /v3/user/webhooks/security/policies with
//   { name, signature: { enabled: true } } → { policy: { id, name, signature: { public_key } } }; GET …/{id} alike
// - webhooks/get-all-event-webhooks: GET /v3/user/webhooks/event/settings/all → { max_allowed, webhooks: [...] }
// - for-developers/parsing-email/securing-your-parse-webhooks: the policy is attached through the parse setting.
// Answers are read defensively: a missing field is null rather than a crash.

export interface ParseSetting {
  hostname: string;
  url: string;
  spamCheck: boolean;
  sendRaw: boolean;
  securityPolicy: string | null;
}

export interface SecurityPolicy {
  id: string;
  name: string | null;
  /** The ECDSA public key (base64 DER) Inbound Parse signs with; null when the policy does not sign. */
  publicKey: string | null;
}

export interface EventWebhook {
  id: string | null;
  url: string | null;
  enabled: boolean;
  friendlyName: string | null;
  /** Signed Event Webhook (its public key is then `publicKey`). */
  signed: boolean;
  publicKey: string | null;
  /** The event types it posts. */
  events: string[];
}

const EVENT_FLAGS = [
  'processed',
  'dropped',
  'delivered',
  'deferred',
  'bounce',
  'open',
  'click',
  'spam_report',
  'unsubscribe',
  'group_unsubscribe',
  'group_resubscribe',
  'account_status_change',
];

export async function listParseSettings(api: SendGridApiClient): Promise<ParseSetting[]> {
  const answer = record(
    await api.request({
      method: 'GET',
      path: '/v3/user/webhooks/parse/settings',
      scope: 'user.webhooks.parse.settings.read',
    }),
  );
  const list = Array.isArray(answer.result) ? answer.result : [];
  return list.map((item) => toParseSetting(record(item)));
}

export interface ParseSettingInput {
  hostname: string;
  url: string;
  spamCheck: boolean;
  sendRaw: boolean;
  securityPolicy: string;
}

/** Creates the setting, or updates it (PATCH by hostname) when `exists`. */
export async function saveParseSetting(
  api: SendGridApiClient,
  input: ParseSettingInput,
  exists: boolean,
): Promise<ParseSetting> {
  const body = {
    url: input.url,
    spam_check: input.spamCheck,
    send_raw: input.sendRaw,
    security_policy: input.securityPolicy,
  };
  const answer = exists
    ? await api.request({
        method: 'PATCH',
        path: `/v3/user/webhooks/parse/settings/${encodeURIComponent(input.hostname)}`,
        body,
        scope: 'user.webhooks.parse.settings.update',
      })
    : await api.request({
        method: 'POST',
        path: '/v3/user/webhooks/parse/settings',
        body: { hostname: input.hostname, ...body },
        scope: 'user.webhooks.parse.settings.create',
      });
  const saved = record(answer);
  // An empty answer is still a success; report what was sent.
  return Object.keys(saved).length ? toParseSetting({ hostname: input.hostname, ...saved }) : { ...input };
}

export async function createSignaturePolicy(api: SendGridApiClient, name: string): Promise<SecurityPolicy> {
  const answer = await api.request({
    method: 'POST',
    path: '/v3/user/webhooks/security/policies',
    body: { name, signature: { enabled: true } },
    scope: 'user.webhooks.security.policies.create',
  });
  const policy = toPolicy(answer);
  if (!policy)
    throw new SendGridApiError('POST /v3/user/webhooks/security/policies: the answer has no policy id', null);
  return policy;
}

/** The policy, or null when SendGrid no longer has it (404). */
export async function getSecurityPolicy(api: SendGridApiClient, id: string): Promise<SecurityPolicy | null> {
  try {
    return toPolicy(
      await api.request({
        method: 'GET',
        path: `/v3/user/webhooks/security/policies/${encodeURIComponent(id)}`,
        scope: 'user.webhooks.security.policies.read',
      }),
    );
  } catch (error) {
    if (error instanceof SendGridApiError && error.status === 404) return null;
    throw error;
  }
}

export async function listEventWebhooks(
  api: SendGridApiClient,
): Promise<{ maxAllowed: number | null; webhooks: EventWebhook[] }> {
  const answer = record(
    await api.request({
      method: 'GET',
      path: '/v3/user/webhooks/event/settings/all',
      scope: 'user.webhooks.event.settings.read',
    }),
  );
  const list = Array.isArray(answer.webhooks) ? answer.webhooks : [];
  const webhooks = list.map((item) => {
    const w = record(item);
    return {
      id: str(w.id),
      url: str(w.url),
      enabled: w.enabled === true,
      friendlyName: str(w.friendly_name),
      signed: w.signed === true || Boolean(str(w.public_key)),
      publicKey: str(w.public_key),
      events: EVENT_FLAGS.filter((flag) => w[flag] === true),
    };
  });
  return { maxAllowed: typeof answer.max_allowed === 'number' ? answer.max_allowed : null, webhooks };
}

function toParseSetting(item: Record<string, unknown>): ParseSetting {
  return {
    hostname: str(item.hostname) ?? '',
    url: str(item.url) ?? '',
    spamCheck: item.spam_check === true,
    sendRaw: item.send_raw === true,
    securityPolicy: str(item.security_policy),
  };
}

function toPolicy(answer: unknown): SecurityPolicy | null {
  const outer = record(answer);
  const policy = outer.policy === undefined ? outer : record(outer.policy);
  const id = str(policy.id);
  if (!id) return null;
  return { id, name: str(policy.name), publicKey: str(record(policy.signature).public_key) };
}

export function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value ? value : null;
}
