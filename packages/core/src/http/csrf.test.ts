import { describe, expect, it } from 'vitest';
import { csrfToken, verifyCsrfToken } from '../index.js';

describe('csrfToken / verifyCsrfToken', () => {
  const session = 'a-secret-session-token-0123456789';

  it('accepts the token of the same session and purpose only', () => {
    const token = csrfToken(session, 'blog');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(verifyCsrfToken(session, 'blog', token)).toBe(true);
    expect(verifyCsrfToken(session, 'support', token)).toBe(false);
    expect(verifyCsrfToken(`${session}x`, 'blog', token)).toBe(false);
  });

  it('refuses anything but a matching string, and a missing session', () => {
    const token = csrfToken(session, 'blog');
    for (const presented of [undefined, null, '', 42, [token], token.slice(1), `${token}=`]) {
      expect(verifyCsrfToken(session, 'blog', presented)).toBe(false);
    }
    expect(verifyCsrfToken(null, 'blog', token)).toBe(false);
  });
});
