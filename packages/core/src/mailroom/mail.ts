import type { Logger, Store, Transaction } from '../inbox/index.js';
import {
  createMailer,
  createMessageIds,
  createOutboxDeliverer,
  createReplyAddresses,
  createReplyHelpers,
  outboxOnlyTransport,
  type AddressInput,
  type AutoReplyLimit,
  type Mailer,
  type MessageIdOptions,
  type MessageIds,
  type OutboxDeliverer,
  type OutboxDelivererOptions,
  type ReplyAddresses,
  type ReplyAddressOptions,
  type ReplyContent,
  type ReplyOutcome,
  type ReplySendOptions,
  type SendOptions,
  type Transport,
} from '../outbound/index.js';
import { domainOf, parseAddress, type InboundEmail } from '../message/index.js';
import { MailroomConfigurationError } from './errors.js';

/** Outbound mail for a Mailroom: what `ctx.reply()`, `ctx.autoReply()`, `ctx.mailer` and `mailroom.mailer` use. */
export interface MailroomMailOptions {
  /** The From of replies, and of `mailer.send()` messages that give none. */
  from: AddressInput;
  /** Our mail domain, for Message-IDs when `messageIds` is not given (default: the From domain). Also a loop domain. */
  domain?: string;
  /** Default `outboxOnlyTransport()`: messages are stored and listed, never sent. */
  transport?: Transport;
  /**
   * Signed reply addresses (`{ keys, domain }` or a `createReplyAddresses()` result). With them,
   * `ctx.reply(content, { scope })` sets `Reply-To: reply+<token>@domain`, and routes declared with
   * `{ replyToken: 'param' }` verify that token.
   */
  replyAddresses?: ReplyAddresses | ReplyAddressOptions;
  /** Signed Message-IDs (`{ keys, domain }` or a `createMessageIds()` result): replies thread back by In-Reply-To/References. */
  messageIds?: MessageIds | MessageIdOptions;
  /** Automatic replies per recipient (default 3 per 24 h). */
  autoReplyLimit?: AutoReplyLimit;
  /** More host names we send from, for loop detection (`domain` and the signers' domains are included). */
  ownDomains?: readonly string[];
  /**
   * Outbox deliverer settings (polling, attempts, backoff…). `claimLimit` (default 200) is how many rows a
   * round claims: a list app sending 1,000-copy batches in one SendGrid request wants 1000.
   */
  deliverer?: Omit<OutboxDelivererOptions, 'store' | 'transport' | 'logger'>;
}

/** What the Mailroom adds to every handler context for outbound mail. */
export interface MailFields {
  /**
   * Queues a reply to `ctx.email` in the handler's transaction (sent after commit; nothing is sent if the
   * handler throws): In-Reply-To/References, `Re:` once, a Message-ID on our domain (signed with `scope`),
   * and with `scope` and reply addresses a signed `Reply-To`.
   */
  reply(content: ReplyContent, options?: ReplySendOptions): Promise<ReplyOutcome>;
  /**
   * An automatic reply (RFC 3834 headers, to the envelope sender): refused with a reason when
   * `email.classify()` finds anything but a human, or when the per-recipient limit is reached.
   */
  autoReply(content: ReplyContent, options?: Omit<ReplySendOptions, 'auto'>): Promise<ReplyOutcome>;
  /** The Mailroom's mailer, queueing in the handler's transaction unless `send(…, { tx })` names another. */
  readonly mailer: Mailer;
}

/** The parts of a handler context mail needs. */
interface MailTarget {
  email: InboundEmail;
  tx: Transaction;
  afterCommit(fn: () => unknown): void;
}

export interface MailWiring {
  readonly mailer: Mailer;
  readonly deliverer: OutboxDeliverer | null;
  readonly replyAddresses: ReplyAddresses | null;
  readonly messageIds: MessageIds | null;
  fieldsFor(ctx: MailTarget): MailFields;
  /**
   * A route's own reply addresses (an app on its own reply domain in a shared Mailroom): the signer, and
   * `reply`/`autoReply` whose Reply-To it signs. Throws MailroomConfigurationError without `mail`.
   */
  withReplyAddresses(addresses: ReplyAddresses | ReplyAddressOptions): {
    replyAddresses: ReplyAddresses;
    fieldsFor(ctx: MailTarget): MailFields;
  };
}

const NOT_CONFIGURED = 'outbound mail is not configured: createMailroom({ mail: { from } })';

/** Builds the mailer, the outbox deliverer and the reply helpers a Mailroom hands to its handlers. */
export function createMailWiring(store: Store, logger: Logger, options: MailroomMailOptions | undefined): MailWiring {
  if (!options) return unconfigured();
  const messageIds = options.messageIds
    ? 'verifyMessageId' in options.messageIds
      ? options.messageIds
      : createMessageIds(options.messageIds)
    : null;
  const replyAddresses = options.replyAddresses ? replyAddressesOf(options.replyAddresses) : null;
  const domain = options.domain ?? (messageIds ? undefined : domainOf(fromAddress(options.from)) || undefined);
  if (!messageIds && !domain)
    throw new MailroomConfigurationError('mail.from has no domain for Message-IDs; set mail.domain or mail.messageIds');
  const ownDomains = [
    ...new Set(
      [options.domain, messageIds?.domain, replyAddresses?.domain, ...(options.ownDomains ?? [])].filter(
        (d): d is string => Boolean(d),
      ),
    ),
  ];

  const deliverer = createOutboxDeliverer({
    ...options.deliverer,
    store,
    transport: options.transport ?? outboxOnlyTransport(),
    logger,
  });
  const mailer = createMailer({
    store,
    ...(domain ? { domain } : {}),
    ...(messageIds ? { messageIds } : {}),
    defaultFrom: options.from,
    onQueued: () => deliverer.kick(), // a no-op until the Mailroom starts; drain() delivers in tests
  });
  const helpers = (signer: ReplyAddresses | null) => {
    const replies = createReplyHelpers({
      mailer,
      from: options.from,
      ...(domain ? { domain } : {}),
      ...(messageIds ? { messageIds } : {}),
      ...(signer ? { replyAddresses: signer } : {}),
      ownDomains: signer && !ownDomains.includes(signer.domain) ? [...ownDomains, signer.domain] : ownDomains,
      ...(options.autoReplyLimit ? { autoReplyLimit: options.autoReplyLimit } : {}),
    });
    return (ctx: MailTarget): MailFields => {
      const bound = replies.extension(ctx);
      return { reply: bound.reply, autoReply: bound.autoReply, mailer: inTransaction(mailer, ctx) };
    };
  };

  return {
    mailer,
    deliverer,
    replyAddresses,
    messageIds,
    fieldsFor: helpers(replyAddresses),
    withReplyAddresses(addresses) {
      const signer = replyAddressesOf(addresses);
      return { replyAddresses: signer, fieldsFor: helpers(signer) };
    },
  };
}

function replyAddressesOf(addresses: ReplyAddresses | ReplyAddressOptions): ReplyAddresses {
  return 'verify' in addresses ? addresses : createReplyAddresses(addresses);
}

/** A mailer whose sends join the handler's transaction by default. */
function inTransaction(mailer: Mailer, ctx: MailTarget): Mailer {
  const defaults = (options: SendOptions = {}): SendOptions =>
    options.tx ? options : { ...options, tx: ctx.tx, afterCommit: (fn) => ctx.afterCommit(fn) };
  return {
    send: (message, options) => mailer.send(message, defaults(options)),
    sendMany: (messages, options) => mailer.sendMany(messages, defaults(options)),
  };
}

function fromAddress(from: AddressInput): string {
  return (typeof from === 'string' ? parseAddress(from)?.address : from.address) ?? '';
}

function unconfigured(): MailWiring {
  const fail = async (): Promise<never> => {
    throw new MailroomConfigurationError(NOT_CONFIGURED);
  };
  const mailer: Mailer = { send: fail, sendMany: fail };
  return {
    mailer,
    deliverer: null,
    replyAddresses: null,
    messageIds: null,
    fieldsFor: () => ({ reply: fail, autoReply: fail, mailer }),
    withReplyAddresses() {
      throw new MailroomConfigurationError(`${NOT_CONFIGURED} (a route's replyAddresses)`);
    },
  };
}
