import type { Mailer } from '@mailroom/core';

/** What the app needs from core's outbound Mailer: queue a message in the caller's transaction. */
export type AvatarMailer = Pick<Mailer, 'send'>;
export type { MailerMessage as OutgoingMail } from '@mailroom/core';
