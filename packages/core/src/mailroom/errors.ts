/** A Mailroom set up in a way that cannot work (thrown when declaring, not per email). */
export class MailroomConfigurationError extends Error {
  override name = 'MailroomConfigurationError';
}
