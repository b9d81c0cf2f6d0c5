import type { PostmarkData, SpamCheck } from '../../message/index.js';

/**
 * Postmark's own fields of the post, and the SpamAssassin headers Postmark adds to `Headers`. The sender can write
 * those header names into the message too, so each is read only when it occurs exactly once (twice: which is
 * Postmark's? Neither is read). Fields of another type than Postmark sends are null.
 */
export function postmarkData(payload: Record<string, unknown>): PostmarkData {
  const headers = headerValues(payload.Headers);
  const score = Number(headers('X-Spam-Score')?.trim() || Number.NaN);
  return {
    name: 'postmark',
    messageId: stringOf(payload.MessageID),
    messageStream: stringOf(payload.MessageStream),
    mailboxHash: stringOf(payload.MailboxHash),
    originalRecipient: stringOf(payload.OriginalRecipient),
    tag: stringOf(payload.Tag),
    spamScore: Number.isFinite(score) ? score : null,
    spamStatus: headers('X-Spam-Status'),
    spamTests: headers('X-Spam-Tests'),
  };
}

/** Postmark's SpamAssassin result as the common spam check: the score, and X-Spam-Status as the report. */
export function postmarkSpam({ spamScore, spamStatus }: PostmarkData): SpamCheck | null {
  return spamScore === null && spamStatus === null ? null : { score: spamScore, report: spamStatus };
}

/** `Headers` (`[{ Name, Value }]`) looked up by name (case-insensitive): the value of a header that occurs once. */
function headerValues(list: unknown): (name: string) => string | null {
  const entries = Array.isArray(list) ? list : [];
  return (name) => {
    const wanted = name.toLowerCase();
    const values = entries.filter((entry: unknown) => nameOf(entry)?.toLowerCase() === wanted);
    return values.length === 1 ? stringOf((values[0] as { Value?: unknown }).Value) : null;
  };
}

function nameOf(entry: unknown): string | undefined {
  const name = typeof entry === 'object' && entry !== null ? (entry as { Name?: unknown }).Name : undefined;
  return typeof name === 'string' ? name : undefined;
}

/** A non-empty string, else null (Postmark sends "" for a field it has no value for). */
function stringOf(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}
