/**
 * `subscribe`, `unsubscribe` and `help`, by email. Every answer is an automatic reply (`ctx.autoReply`):
 * never to automatic mail, at most 3 per recipient a day and 1,000 an hour overall (core's limits), so
 * an auto-responder loop stops and forged requests cannot flood a victim. Answers have fixed text (no
 * sender-chosen subject or name) and go to the bare address. Membership never changes by email: the
 * answer carries a signed link, and only opening it (`web/confirm.tsx`) subscribes or unsubscribes.
 */
import { type InboundEmail } from '@mailroom/core';
import { sanitizeHeaderText, type ReplyOutcome } from '@mailroom/core/outbound';
import { requestAddress } from '../config.js';
import {
  confirmationLink,
  helpText,
  listHeaders,
  markPending,
  memberOf,
  requestFrom,
  subscriptionCandidate,
  type List,
} from '../domain/index.js';
import type { Inbound, InboundResult } from './types.js';

const COMMANDS = ['subscribe', 'unsubscribe', 'help'] as const;
export type Command = (typeof COMMANDS)[number];
/** A command on the list address is the whole subject or a short body (Discourse's rule). */
const MAX_COMMAND_BODY = 40;
/** Only the start of a body is looked at: a command is its first word or line. */
const SCAN_CHARS = 200;

const isCommand = (word: string): word is Command => (COMMANDS as readonly string[]).includes(word);

export function firstWord(text: string): string {
  return (text.trimStart().slice(0, SCAN_CHARS).split(/\s/, 1)[0] ?? '').toLowerCase().replace(/[^a-z]/g, '');
}

/** The command in an email, if any. On the `-request` address the first word of the subject or body counts too. */
export function commandIn(email: InboundEmail, requestAddress: boolean): Command | null {
  const subject = email.subject.trim().toLowerCase();
  if (isCommand(subject)) return subject;
  const body = (email.reply().text || email.text || '').trimStart();
  const firstLine = (body.slice(0, SCAN_CHARS).split(/\r?\n/, 1)[0] ?? '').trim().toLowerCase();
  if (isCommand(firstLine) && (requestAddress || body.trimEnd().length <= MAX_COMMAND_BODY)) return firstLine;
  if (!requestAddress) return null;
  const word = firstWord(subject) || firstWord(firstLine);
  return isCommand(word) ? word : null;
}

export async function runCommand(inbound: Inbound, list: List, command: Command): Promise<InboundResult> {
  const done = (detail: string): InboundResult => ({ outcome: 'command', listId: list.id, command, detail });
  if (command === 'help')
    return done(
      describe(
        await answer(inbound, list, helpRecipient(inbound), 'help', 'Help', helpText(inbound.services.config, list)),
        'help sent',
      ),
    );
  if (command === 'subscribe') return done(await requestSubscription(inbound, list));
  return done(await requestUnsubscribe(inbound, list));
}

async function requestSubscription(inbound: Inbound, list: List): Promise<string> {
  const candidate = await subscriptionCandidate(inbound.tx, list, inbound.sender!);
  if (candidate.existing?.status === 'active') return 'already a member';
  const { config } = inbound.services;
  const text =
    `Someone (hopefully you) asked to subscribe ${candidate.member.address} to ${list.name}.\n\n` +
    `To confirm, open this link within 7 days:\n${confirmationLink(inbound.services, 'join', candidate.member)}\n\n` +
    `If you did not ask for this, ignore this message: nothing changes.\n` +
    `About this list: send "help" to ${requestAddress(config, list.slug)}.\n`;
  const outcome = await answer(
    inbound,
    list,
    candidate.member.address,
    'confirm',
    'Confirm your subscription',
    text,
    candidate.member.id,
  );
  if (outcome.sent) await markPending(inbound.tx, list, candidate, sanitizeHeaderText(inbound.email.from?.name ?? ''));
  return describe(outcome, 'confirmation sent');
}

async function requestUnsubscribe(inbound: Inbound, list: List): Promise<string> {
  const member = await memberOf(inbound.tx, list.id, inbound.sender!);
  if (!member || member.status === 'unsubscribed') return 'not a member';
  const text =
    `Someone (hopefully you) asked to unsubscribe ${member.address} from ${list.name}.\n\n` +
    `To confirm, open this link within 7 days:\n${confirmationLink(inbound.services, 'leave', member)}\n\n` +
    `If you did not ask for this, ignore this message: you stay subscribed.\n`;
  return describe(
    await answer(inbound, list, member.address, 'unsubscribe', 'Confirm that you want to leave', text, member.id),
    'confirmation sent',
  );
}

/** RFC 3834: automatic answers go to the envelope sender (bare: the display name is the sender's choice). */
function helpRecipient(inbound: Inbound): string {
  return inbound.email.envelope.from || inbound.sender!;
}

/** An automatic reply from the list's `-request` address with a fixed subject. */
function answer(
  inbound: Inbound,
  list: List,
  to: string,
  kind: string,
  subject: string,
  text: string,
  memberId?: string,
): Promise<ReplyOutcome> {
  const { config } = inbound.services;
  return inbound.ctx.autoReply(
    {
      subject: `[${list.slug}] ${subject}`,
      text,
      headers: listHeaders(config, list, null),
      customArgs: { lists_list: list.id, lists_notice: kind, ...(memberId ? { lists_member: memberId } : {}) },
    },
    { from: requestFrom(config, list), to },
  );
}

function describe(outcome: ReplyOutcome, sent: string): string {
  return outcome.sent ? sent : `no answer sent (${outcome.reason}: ${outcome.detail})`;
}
