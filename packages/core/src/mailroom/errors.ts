import { DatabaseOpenError } from '../inbox/index.js';
import { IngressConfigurationError } from '../ingress/index.js';

/** A Mailroom set up in a way that cannot work (thrown when declaring, not per email). */
export class MailroomConfigurationError extends Error {
  override name = 'MailroomConfigurationError';
}

/**
 * Whether an error at start-up is the operator's configuration (a bad or missing key or variable, a database URL
 * that names nothing usable), to be printed as its one-line message with exit code 2 rather than as a crash.
 */
export function isConfigurationError(error: unknown): error is Error {
  return (
    error instanceof MailroomConfigurationError ||
    error instanceof IngressConfigurationError ||
    error instanceof DatabaseOpenError
  );
}
