import { describe, expect, it } from 'vitest';
import { emailFromCase, loadCorpus, normalizeVisible } from './corpus-helpers.js';

const corpus = loadCorpus();
const list = (value: string | undefined) =>
  value
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];

describe('reply corpus', () => {
  it('has at least 80 labelled messages, with DSNs from at least 3 MTA styles', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(80);
    const styles = new Set(corpus.map((c) => c.meta['dsn-format']).filter(Boolean));
    expect(styles.size).toBeGreaterThanOrEqual(4);
  });

  describe('reply text', () => {
    for (const c of corpus.filter((c) => c.reply !== null)) {
      it(`${c.name}: ${c.description}`, () => {
        expect(normalizeVisible(emailFromCase(c).reply().text)).toBe(normalizeVisible(c.reply));
      });
    }
  });

  describe('classification', () => {
    for (const c of corpus.filter((c) => c.meta.kind)) {
      it(`${c.name} is ${c.meta.kind}`, () => {
        const result = emailFromCase(c).classify({
          ownDomains: list(c.meta['own-domains']),
          loopMarkers: ['mailroom-support'],
        });
        expect(result.kind, result.reasons.join('; ')).toBe(c.meta.kind);
        if (c.meta.kind !== 'human') expect(result.reasons.length).toBeGreaterThan(0);
      });
    }
  });

  describe('delivery reports', () => {
    for (const c of corpus.filter((c) => c.meta['dsn-format'])) {
      it(`${c.name}: ${c.description}`, async () => {
        const report = await emailFromCase(c).deliveryReport();
        expect(report).not.toBeNull();
        expect(report!.format).toBe(c.meta['dsn-format']);
        expect(report!.recipients.map((r) => r.address)).toEqual(list(c.meta['dsn-recipients']));
        expect(report!.recipients[0]!.status).toBe(c.meta['dsn-status']);
        expect(report!.recipients[0]!.action).toBe(c.meta['dsn-action']);
        expect(report!.recipients[0]!.permanent).toBe(c.meta['dsn-action'] === 'failed');
        expect(report!.originalMessageId).toBe(c.meta['dsn-message-id'] ?? null);
      });
    }

    for (const c of corpus.filter((c) => !c.meta['dsn-format'] && c.meta.kind !== 'bounce')) {
      it(`${c.name} is not a delivery report`, async () => {
        expect(await emailFromCase(c).deliveryReport()).toBeNull();
      });
    }
  });
});
