import { describe, expect, it } from 'vitest';
import { EnvError, MailroomConfigurationError, portFromEnv, requireEnv, storeOptionsFromEnv } from '../index.js';

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
});
