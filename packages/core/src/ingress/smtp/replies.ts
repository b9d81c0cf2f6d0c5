import { IngressError } from '../errors.js';

/** An SMTP refusal for smtp-server's callbacks: `responseCode`, and the enhanced status code leading the text. */
export function smtpRefusal(code: number, enhanced: string, text: string): Error & { responseCode: number } {
  return Object.assign(new Error(`${enhanced} ${text}`), { responseCode: code });
}

const MAX_REASON_CHARS = 200;

/**
 * What the sending MTA hears when the Mailroom did not take a message. A message we will never take (an
 * IngressError: malformed, too large) is refused for good, so the sender gets a bounce at once; a busy or slow
 * receiver and every fault of ours (the database down or too slow included) is a 451: the MTA keeps the message
 * and retries, and dedupe makes the retry safe if the first attempt did commit.
 */
export function refusalFor(error: unknown): { refusal: Error & { responseCode: number }; fault: boolean } {
  if (!(error instanceof IngressError)) {
    return {
      refusal: smtpRefusal(451, '4.3.0', 'temporary failure storing the message; try again later'),
      fault: true,
    };
  }
  const reason = error.message.slice(0, MAX_REASON_CHARS);
  if (error.status === 413) return { refusal: smtpRefusal(552, '5.3.4', reason), fault: false };
  if (error.status === 503 || error.status === 408) {
    return { refusal: smtpRefusal(451, '4.3.0', `${reason}; try again later`), fault: false };
  }
  return { refusal: smtpRefusal(554, '5.6.0', `${reason} (${error.code})`), fault: false };
}
