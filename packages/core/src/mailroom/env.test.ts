import { describe, expect, it } from 'vitest';
import { EnvError, MailroomConfigurationError, parseMaxAgeSeconds, portFromEnv, requireEnv, securityFromEnv, storeOptionsFromEnv } from '../index.js';
import { TEST_KEY_PAIR } from '../testing/index.js';

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
    for (const bad of ['http', '70000', '-1', '80.5']) expect(() => portFromEnv({ PORT: bad })).toThrow(/PORT must be a port number/);
  });

  it('storeOptionsFromEnv maps DATABASE_URL and MAILROOM_DATA_DIR, leaving blanks out (PGlite in .mailroom)', () => {
    expect(storeOptionsFromEnv({})).toEqual({});
    expect(storeOptionsFromEnv({ DATABASE_URL: ' ', MAILROOM_DATA_DIR: '' })).toEqual({});
    expect(storeOptionsFromEnv({ DATABASE_URL: 'postgres://db/mail', MAILROOM_DATA_DIR: '/var/lib/mail' })).toEqual({
      databaseUrl: 'postgres://db/mail',
      dataDir: '/var/lib/mail',
    });
  });

  it('securityFromEnv reads SENDGRID_PARSE_MAX_AGE_SECONDS into security.maxTimestampAgeSeconds (unset: no window)', () => {
    const key = TEST_KEY_PAIR.publicKey;
    expect(securityFromEnv({ SENDGRID_PARSE_PUBLIC_KEY: key }).security).toEqual({ publicKeys: [key] });
    expect(securityFromEnv({ SENDGRID_PARSE_PUBLIC_KEY: key, SENDGRID_PARSE_MAX_AGE_SECONDS: ' ' }).security.maxTimestampAgeSeconds).toBeUndefined();
    expect(securityFromEnv({ SENDGRID_PARSE_PUBLIC_KEY: key, SENDGRID_PARSE_MAX_AGE_SECONDS: ' 345600 ' }).security).toEqual({
      publicKeys: [key],
      maxTimestampAgeSeconds: 345_600,
    });
  });

  it('a bad SENDGRID_PARSE_MAX_AGE_SECONDS, or one without a key, is a configuration error naming the variable', () => {
    for (const bad of ['0', '-5', '1.5', '1e3', 'a day', '99999999', String(31 * 24 * 3600)]) {
      expect(() => securityFromEnv({ SENDGRID_PARSE_PUBLIC_KEY: TEST_KEY_PAIR.publicKey, SENDGRID_PARSE_MAX_AGE_SECONDS: bad }), bad).toThrow(MailroomConfigurationError);
      expect(() => parseMaxAgeSeconds(bad)).toThrow(/SENDGRID_PARSE_MAX_AGE_SECONDS must be a whole number of seconds/);
    }
    expect(() => securityFromEnv({ SENDGRID_PARSE_BASIC: 'u:p', SENDGRID_PARSE_MAX_AGE_SECONDS: '300' })).toThrow(/needs SENDGRID_PARSE_PUBLIC_KEY/);
  });
});
