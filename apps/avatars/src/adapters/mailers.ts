/**
 * LOCAL ADAPTERS — core's outbound `Mailer` (createMailer + outbox + deliverer) is not exported from
 * @mailroom/core yet. These satisfy the app's `AvatarMailer` port meanwhile; replace them with
 * `createMailer({ store, … })` when it lands (it has the same `send(message, { tx, afterCommit })`).
 */
import type { AvatarMailer, OutgoingMail } from '../ports.js';

export interface RecordedMail {
  id: string;
  message: OutgoingMail;
}

/**
 * Keeps sent mail in memory. Mail sent from a handler (with `afterCommit`) is recorded only once the
 * handler's transaction committed, like an outbox; other mail is recorded at once.
 */
export function recordingMailer(): AvatarMailer & { sent: RecordedMail[]; clear(): void } {
  const sent: RecordedMail[] = [];
  let next = 1;
  return {
    sent,
    clear() {
      sent.length = 0;
    },
    async send(message, options) {
      const id = `local-${next++}`;
      const record = () => void sent.push({ id, message });
      if (options?.afterCommit) options.afterCommit(record);
      else record();
      return { id };
    },
  };
}

/** Prints each mail as one JSON line on stdout (development, standalone server without a transport). */
export function consoleMailer(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): AvatarMailer {
  let next = 1;
  return {
    async send(message, options) {
      const id = `console-${next++}`;
      const print = () =>
        write(
          JSON.stringify({
            event: 'mail',
            id,
            to: message.to,
            subject: message.subject,
            text: message.text,
            attachments: (message.attachments ?? []).map((a) => a.filename),
          }),
        );
      if (options?.afterCommit) options.afterCommit(print);
      else print();
      return { id };
    },
  };
}
