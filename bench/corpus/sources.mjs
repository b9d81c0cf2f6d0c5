// How each external project labels its mail, turned into one label set:
//   kind: 'bounce' | 'complaint' | 'auto-reply' | 'human'
//   recipients (bounces with expected results): [{ status: '5.1.1' | '', permanent: true | false | null, reason }]
// A source's `label({ files, read })` returns [{ path, kind, recipients? }] for the files it labels.

/** sisimai/p5-sisimai: its set-of-emails/maildir/bsd copies and the expected results in t/*.t (same commit). */
function sisimai({ files, read }) {
  const emails = new Set(files.filter((f) => f.startsWith('set-of-emails/maildir/bsd/')));
  const out = [];
  for (const test of files.filter((f) => /^t\/\d{3}-.*\.t$/.test(f))) {
    const source = read(test).toString('utf8');
    const engine = /\$enginename\s*=\s*'([^']+)'/.exec(source)?.[1];
    if (!engine) continue;
    const prefix = /^t\/3\d\d-rhost/.test(test) ? 'rhost-' : /^t\/[678]\d\d-lhost/.test(test) ? 'lhost-' : '';
    for (const [index, results] of expectations(source)) {
      const path = `set-of-emails/maildir/bsd/${prefix}${engine.toLowerCase()}-${index}.eml`;
      if (!emails.has(path)) continue;
      const reasons = results.map((r) => r.reason);
      const kind = reasons.every((r) => r === 'feedback')
        ? 'complaint'
        : reasons.every((r) => r === 'vacation')
          ? 'auto-reply'
          : 'bounce';
      const recipients = results.map((r) => ({
        status: r.status,
        reason: r.reason,
        permanent: r.status.startsWith('5') ? true : r.status.startsWith('4') ? false : null,
      }));
      out.push({
        path,
        kind,
        ...(kind === 'bounce' ? { recipients } : {}),
        ...(kind === 'complaint' ? { feedbackTypes: results.map((r) => r.feedbackType) } : {}),
      });
    }
  }
  return out;
}

/** `'01' => [['5.1.1', '550', 'userunknown', 1], …],` blocks of a sisimai test file. */
function expectations(source) {
  const out = [];
  const block = /'(\d{2,5})'\s*=>\s*\[((?:\s*\[[^\]]*\],?)+)\s*\]/g;
  for (const match of source.matchAll(block)) {
    const rows = [
      ...match[2].matchAll(/\[\s*'([^']*)'\s*,\s*'([^']*)'\s*,\s*'([^']*)'\s*,\s*(\d)\s*(?:,\s*'([^']*)'\s*)?\]/g),
    ];
    out.push([
      match[1],
      rows.map((r) => ({ status: r[1], code: r[2], reason: r[3], hard: r[4] === '1', feedbackType: r[5] ?? null })),
    ]);
  }
  return out;
}

/** rjbs/Mail-DeliveryStatus-BounceParser t/corpus: every message is a bounce except those its tests say are not:
 * t/non-bounce.t, t/autoreply.t and t/warnings.t (`!is_bounce`: vacation, autoreply, challenge/response), and the
 * spam-* messages whose tests describe them as "a non-bounce spam message" (people's mail for us); whitelist.msg (a
 * challenge/response notice sent as a Postfix DSN) and spam-with-badly-parsed-email.msg (no test says) are left out. */
function bounceparser({ files }) {
  const automatic = new Set([
    'autoreply.msg',
    'aol-vacation.msg',
    'polish-autoreply.msg',
    'bluebottle.msg',
    'boxbe-cr.msg',
    'boxbe-cr2.msg',
    'warning-6.msg',
  ]);
  const spam = new Set(['spam-bogus-email-in-report.msg', 'spam-lots-of-bogus-addresses.msg', 'spam-with-image.msg']);
  return files
    .filter(
      (f) =>
        f.startsWith('t/corpus/') &&
        f.endsWith('.msg') &&
        !/\/(?:whitelist|spam-with-badly-parsed-email)\.msg$/.test(f),
    )
    .map((path) => {
      const name = path.slice('t/corpus/'.length);
      return { path, kind: automatic.has(name) ? 'auto-reply' : spam.has(name) ? 'human' : 'bounce' };
    });
}

/** mailgun/flanker tests/fixtures/messages: bounce/ and complaints/ as named; the other top-level messages are
 * people's mail (MIME torture tests included); the disposition notification, spam/ and dkim/ are left out. */
function flanker({ files }) {
  const base = 'tests/fixtures/messages/';
  return files
    .filter((f) => f.startsWith(base) && f.endsWith('.eml') && !f.endsWith('disposition-notification.eml'))
    .flatMap((path) => {
      const rest = path.slice(base.length);
      if (rest.startsWith('bounce/')) return [{ path, kind: 'bounce' }];
      if (rest.startsWith('complaints/')) return [{ path, kind: 'complaint' }];
      return rest.includes('/') ? [] : [{ path, kind: 'human' }];
    });
}

/** mailgun/talon tests/fixtures: replies people sent from common clients. */
function talon({ files }) {
  return files
    .filter((f) => /^tests\/fixtures\/(?:standard_replies\/.*|[^/]*)\.eml$/.test(f))
    .map((path) => ({ path, kind: 'human' }));
}

export const SOURCES = {
  sisimai: { repository: 'sisimai/p5-sisimai', label: sisimai },
  bounceparser: { repository: 'rjbs/Mail-DeliveryStatus-BounceParser', label: bounceparser },
  flanker: { repository: 'mailgun/flanker', label: flanker },
  talon: { repository: 'mailgun/talon', label: talon },
};
