import { describe, expect, it } from 'vitest';
import { emailFromCase, loadCorpus } from './corpus-helpers.js';

const byName = new Map(loadCorpus().map((c) => [c.name, c]));

describe('InboundEmail text methods', () => {
  it('memoizes the default reply() and recomputes for explicit options', () => {
    const email = emailFromCase(byName.get('en-reply-above-marker-unquoted')!);
    const first = email.reply();
    expect(email.reply()).toBe(first);
    expect(first.text).toBe('Still failing with error 809.');
    const noMarker = email.reply({ replyAboveMarker: null });
    expect(noMarker).not.toBe(first);
    expect(noMarker.text).toContain('## Reply above this line ##');
  });

  it('authVerdict() reads the email auth fields', () => {
    const email = emailFromCase(byName.get('en-gmail-top-post')!);
    expect(email.authVerdict()).toMatchObject({ aligned: false, rule: null });
  });
});
