import { describe, expect, it } from 'vitest';
import { emailFromCase, loadCorpus, normalizeVisible } from './corpus-helpers.js';

const corpus = loadCorpus();

describe('reply corpus', () => {
  it('has at least 80 labelled messages', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(80);
  });

  for (const c of corpus.filter((c) => c.reply !== null)) {
    it(`${c.name}: ${c.description}`, () => {
      const reply = emailFromCase(c).reply();
      expect(normalizeVisible(reply.text)).toBe(normalizeVisible(c.reply));
    });
  }
});
