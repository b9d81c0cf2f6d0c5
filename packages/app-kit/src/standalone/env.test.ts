import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { MailroomConfigurationError, TransportError, type PreparedMessage } from '@mailroom/core';
import {
  EnvError,
  portFromEnv,
  requireEnv,
  signingKeysFromEnv,
  storeOptionsFromEnv,
  transportFromEnv,
  webhooksFromEnv,
} from './index.js';

const MESSAGE: PreparedMessage = {
  id: 'm1',
  from: { address: 'app@example.com', name: '' },
  to: [{ address: 'reader@example.net', name: '' }],
  cc: [],
  bcc: [],
  replyTo: [],
  subject: 'Hello',
  text: 'Hello.',
  html: null,
  headers: {},
  attachments: [],
  customArgs: {},
  categories: [],
  messageId: 'm1@example.com',
  inReplyTo: null,
  references: [],
};

describe('environment helpers for standalone servers', () => {
  it('requireEnv returns the trimmed value, else an EnvError (a configuration error) naming the variable and its docs', () => {
    expect(requireEnv({ APP_DOMAIN: '  mail.example.com ' }, 'APP_DOMAIN')).toBe('mail.example.com');
    expect(() => requireEnv({ APP_DOMAIN: '   ' }, 'APP_DOMAIN', 'apps/x/README.md')).toThrow(
      new EnvError('APP_DOMAIN is required (see apps/x/README.md)'),
    );
    expect(() => requireEnv({}, 'APP_DOMAIN')).toThrow(MailroomConfigurationError);
  });

  it('portFromEnv accepts 0–65535 (default 3000) and names a bad value', () => {
    expect(portFromEnv({})).toBe(3000);
    expect(portFromEnv({ PORT: '0' })).toBe(0);
    expect(portFromEnv({ PORT: ' 8080 ' }, 80)).toBe(8080);
    for (const bad of ['http', '70000', '-1', '80.5'])
      expect(() => portFromEnv({ PORT: bad })).toThrow(/PORT must be a port number/);
  });

  it('storeOptionsFromEnv maps DATABASE_URL and MAILROOM_DATA_DIR; no DATABASE_URL in the env given is PGlite, whatever the process has', () => {
    expect(storeOptionsFromEnv({})).toEqual({ databaseUrl: '' });
    expect(storeOptionsFromEnv({ DATABASE_URL: ' ', MAILROOM_DATA_DIR: '' })).toEqual({ databaseUrl: '' });
    expect(storeOptionsFromEnv({ DATABASE_URL: 'postgres://db/mail', MAILROOM_DATA_DIR: '/var/lib/mail' })).toEqual({
      databaseUrl: 'postgres://db/mail',
      dataDir: '/var/lib/mail',
    });
  });

  it('signingKeysFromEnv: NAME (at least 32 characters) signs, NAME_PREVIOUS still verifies', () => {
    const secret = 'a secret of at least thirty-two characters!';
    expect(signingKeysFromEnv({ APP_SECRET: secret }, 'APP_SECRET')).toEqual([{ id: 'current', secret }]);
    expect(signingKeysFromEnv({ APP_SECRET: secret, APP_SECRET_PREVIOUS: 'old' }, 'APP_SECRET')).toEqual([
      { id: 'current', secret },
      { id: 'previous', secret: 'old' },
    ]);
    expect(() => signingKeysFromEnv({}, 'APP_SECRET', 'apps/x/README.md')).toThrow(
      new EnvError('APP_SECRET is required (see apps/x/README.md)'),
    );
    expect(() => signingKeysFromEnv({ APP_SECRET: 'short' }, 'APP_SECRET')).toThrow(
      new EnvError('APP_SECRET must be at least 32 characters'),
    );
  });

  it('webhooksFromEnv turns a webhook-security mistake into an EnvError (exit 2)', () => {
    expect(() => webhooksFromEnv({})).toThrow(EnvError);
    expect(() => webhooksFromEnv({ SENDGRID_PARSE_BASIC: 'nocolon' })).toThrow(/user:password/);
    expect(webhooksFromEnv({ MAILROOM_INSECURE: '1' })).toEqual({
      security: { insecure: true },
      eventsSecurity: undefined,
    });
  });

  it('transportFromEnv: SendGrid with SENDGRID_API_KEY (to SENDGRID_API_URL when set), else outbox only', async () => {
    expect(transportFromEnv({}).name).toBe('store-only');
    expect(transportFromEnv({ SENDGRID_API_KEY: '' }).name).toBe('store-only');
    const seen: string[] = [];
    const server = createServer((request, response) => {
      seen.push(`${request.method} ${request.url} ${request.headers.authorization}`);
      response.writeHead(401, { 'content-type': 'application/json' }).end('{"errors":[{"message":"bad key"}]}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const transport = transportFromEnv({
        SENDGRID_API_KEY: 'SG.test',
        SENDGRID_API_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
      });
      expect(transport.name).toBe('sendgrid');
      await expect(transport.deliver([MESSAGE])).rejects.toBeInstanceOf(TransportError);
      expect(seen).toEqual(['POST /v3/mail/send Bearer SG.test']);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("every helper's error is a MailroomConfigurationError", () => {
    expect(() => portFromEnv({ PORT: 'x' })).toThrow(MailroomConfigurationError);
  });
});
