import { describe, expect, it } from 'vitest';
import { IngressError } from '../errors.js';
import { parseSnsMessage } from './sns.js';

const fields = {
  Type: 'Notification',
  MessageId: '6b1c2c36-7f5e-4d41-9c52-000000000000',
  TopicArn: 'arn:aws:sns:us-east-1:123456789012:inbound',
  Subject: 'Amazon SES Email Receipt Notification',
  Timestamp: '2026-12-07T10:00:00.000Z',
  SignatureVersion: '2',
  Signature: 'c2lnbmF0dXJl',
  SigningCertURL: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0.pem',
};
/** An SNS message's JSON with `extra` (JSON text) as one more, unsigned, field. */
const withExtra = (message: string, extra: string) =>
  Buffer.from(`${JSON.stringify({ ...fields, Message: message }).slice(0, -1)},"Extra":${extra}}`, 'utf8');

function refusal(body: Buffer): IngressError {
  try {
    parseSnsMessage(body);
  } catch (error) {
    if (error instanceof IngressError) return error;
    throw error;
  }
  throw new Error('parsed');
}

describe('parseSnsMessage: the shape of the JSON before JSON.parse', () => {
  it('refuses a body holding a million empty objects beside the fields (a 3 MB JSON.parse stall) with a 400', () => {
    const error = refusal(withExtra('{}', `[${'{},'.repeat(999_999)}{}]`));
    expect(error).toMatchObject({ status: 400, code: 'invalid_sns_message' });
    expect(error.message).toMatch(/more than 10000 objects, arrays and values/);
  });

  it('refuses deep nesting and many keys beside the fields', () => {
    expect(refusal(withExtra('{}', `${'['.repeat(100_000)}${']'.repeat(100_000)}`)).status).toBe(400);
    const keys = Array.from({ length: 10_000 }, (_, i) => `"k${i}":${i}`).join(',');
    expect(refusal(withExtra('{}', `{${keys}}`)).status).toBe(400);
  });

  it('counts no token inside a string: a Message of any JSON shape, escaped quotes included, is read', () => {
    const message = JSON.stringify({ a: Array.from({ length: 50_000 }, () => ({})), q: 'a "quoted" \\ value' });
    expect(parseSnsMessage(Buffer.from(JSON.stringify({ ...fields, Message: message }))).Message).toBe(message);
    const keys = Array.from({ length: 1000 }, (_, i) => `"k${i}":${i}`).join(',');
    expect(parseSnsMessage(withExtra('{}', `{${keys}}`)).Type).toBe('Notification');
  });
});
