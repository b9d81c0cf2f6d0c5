import { describe, expect, it } from 'vitest';
import { MailroomConfigurationError, securityFromEnv } from '../index.js';
import { parseMaxAgeSeconds } from './env.js';
import { TEST_KEY_PAIR } from '../testing/index.js';

describe("securityFromEnv (the webhooks' authentication from the environment)", () => {
  it('securityFromEnv reads SENDGRID_PARSE_MAX_AGE_SECONDS into security.maxTimestampAgeSeconds (unset: no window)', () => {
    const key = TEST_KEY_PAIR.publicKey;
    expect(securityFromEnv({ SENDGRID_PARSE_PUBLIC_KEY: key }).security).toEqual({ publicKeys: [key] });
    expect(
      securityFromEnv({ SENDGRID_PARSE_PUBLIC_KEY: key, SENDGRID_PARSE_MAX_AGE_SECONDS: ' ' }).security
        .maxTimestampAgeSeconds,
    ).toBeUndefined();
    expect(
      securityFromEnv({ SENDGRID_PARSE_PUBLIC_KEY: key, SENDGRID_PARSE_MAX_AGE_SECONDS: ' 345600 ' }).security,
    ).toEqual({
      publicKeys: [key],
      maxTimestampAgeSeconds: 345_600,
    });
  });

  it('a bad SENDGRID_PARSE_MAX_AGE_SECONDS, or one without a key, is a configuration error naming the variable', () => {
    for (const bad of ['0', '-5', '1.5', '1e3', 'a day', '99999999', String(31 * 24 * 3600)]) {
      expect(
        () =>
          securityFromEnv({ SENDGRID_PARSE_PUBLIC_KEY: TEST_KEY_PAIR.publicKey, SENDGRID_PARSE_MAX_AGE_SECONDS: bad }),
        bad,
      ).toThrow(MailroomConfigurationError);
      expect(() => parseMaxAgeSeconds(bad)).toThrow(/SENDGRID_PARSE_MAX_AGE_SECONDS must be a whole number of seconds/);
    }
    expect(() => securityFromEnv({ SENDGRID_PARSE_BASIC: 'u:p', SENDGRID_PARSE_MAX_AGE_SECONDS: '300' })).toThrow(
      /needs SENDGRID_PARSE_PUBLIC_KEY/,
    );
  });
});
