/**
 * Thrown when an email can never be processed as it is — a stored post that cannot be parsed, work on it
 * that ran past its time budget — so retrying it would only hit the same wall. The worker ends the email
 * `failed` at once with this message as its note, instead of retrying it with backoff; it stays replayable
 * (after a fix, `mailroom replay <id>` runs it again).
 *
 * @example
 * ```ts
 * if (body.length > LIMIT) throw new UnprocessableEmailError(`body of ${body.length} bytes is over ${LIMIT}`);
 * ```
 */
export class UnprocessableEmailError extends Error {
  override name = 'UnprocessableEmailError';
  /** Marks the error as not worth a retry (also recognised on errors of other classes that set it). */
  readonly permanent = true;
}

/** True for an `UnprocessableEmailError`, or any error that says `permanent: true`. */
export function isPermanentFailure(error: unknown): boolean {
  return (
    error instanceof UnprocessableEmailError ||
    (typeof error === 'object' && error !== null && (error as { permanent?: unknown }).permanent === true)
  );
}
