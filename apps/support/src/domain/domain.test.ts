import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replySubject } from '@mailroom/core/outbound';
import { createTestStore, type TestStore } from '@mailroom/core/testing';
import type { SupportDb } from '../db/index.js';
import { SUPPORT_MIGRATIONS } from '../index.js';
import {
  openTicket,
  recordMessage,
  listTickets,
  setStatus,
  assignTicket,
  ticketConversation,
  addParticipants,
} from './tickets.js';
import { findReplyTicket, followUp, subjectTag, taggedSubject, cleanSubject, storedSubject } from './threading.js';
import { isThrottled } from './throttle.js';
import { createAgent, authenticateAgent, agentById, issueApiToken, agentByApiToken } from './agents.js';
import { markUndeliverable } from './addresses.js';
import { hashPassword, verifyPassword } from './passwords.js';

let store: TestStore;
const t: { db: SupportDb } = { db: null! };
beforeAll(async () => {
  store = await createTestStore();
  await store.migrate(SUPPORT_MIGRATIONS);
  t.db = store.db;
});
afterAll(async () => {
  await store?.close();
});

const base = { queue: 'general', supportAddress: 'support@support.example.com' };

describe('tickets', () => {
  it('numbers start at 1000 and increase', async () => {
    const a = await openTicket(t.db, {
      ...base,
      subject: 'First',
      requester: { address: 'Ann@Example.com', name: 'Ann' },
    });
    const b = await openTicket(t.db, { ...base, subject: '  ', requester: { address: 'bob@example.com', name: '' } });
    expect(a.number).toBe(1000);
    expect(b.number).toBe(1001);
    expect(a.requesterAddress).toBe('ann@example.com');
    expect(b.subject).toBe('(no subject)');
  });

  it('keeps requester and CCs as participants, once each', async () => {
    const ticket = await openTicket(t.db, {
      ...base,
      subject: 'CCs',
      requester: { address: 'carol@example.com', name: 'Carol' },
      cc: [
        { address: 'dave@example.com', name: 'Dave' },
        { address: 'DAVE@example.com', name: '' },
        { address: 'carol@example.com', name: '' },
      ],
    });
    expect(await addParticipants(t.db, ticket.number, [{ address: 'erin@example.com', name: 'Erin' }])).toBe(1);
    const conv = await ticketConversation(t.db, ticket.number);
    expect(conv!.participants.map((p) => [p.address, p.role])).toEqual([
      ['carol@example.com', 'requester'],
      ['dave@example.com', 'cc'],
      ['erin@example.com', 'cc'],
    ]);
  });

  it('caps participants: the requester counts, people already on the ticket take no room, and names are one line', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({ address: `cc${i}@example.com`, name: `CC\r\nBcc: x ${i}` }));
    const ticket = await openTicket(t.db, {
      ...base,
      subject: 'Many',
      requester: { address: 'req@example.com', name: 'Req' },
      cc: many,
      maxParticipants: 4,
    });
    const people = (await ticketConversation(t.db, ticket.number))!.participants;
    expect(people.map((p) => p.address).sort()).toEqual([
      'cc0@example.com',
      'cc1@example.com',
      'cc2@example.com',
      'req@example.com',
    ]);
    expect(people.find((p) => p.address === 'cc0@example.com')!.name).toBe('CC Bcc: x 0');
    // Full: nobody else gets in, however the list is ordered.
    expect(
      await addParticipants(
        t.db,
        ticket.number,
        [
          { address: 'cc0@example.com', name: '' },
          { address: 'late@example.com', name: '' },
        ],
        { max: 4 },
      ),
    ).toBe(0);
    const other = await openTicket(t.db, {
      ...base,
      subject: 'Room',
      requester: { address: 'req2@example.com', name: '' },
      maxParticipants: 3,
    });
    expect(
      await addParticipants(
        t.db,
        other.number,
        [
          { address: 'req2@example.com', name: '' },
          { address: 'a@example.com', name: '' },
          { address: 'b@example.com', name: '' },
          { address: 'c@example.com', name: '' },
        ],
        { max: 3 },
      ),
    ).toBe(2);
  });

  it('records one message per inbound email and ticket', async () => {
    const ticket = await openTicket(t.db, {
      ...base,
      subject: 'Dup',
      requester: { address: 'fay@example.com', name: '' },
    });
    const first = await recordMessage(t.db, {
      ticketNumber: ticket.number,
      direction: 'inbound',
      kind: 'customer',
      bodyText: 'hi',
      inboundId: 'in-1',
    });
    const again = await recordMessage(t.db, {
      ticketNumber: ticket.number,
      direction: 'inbound',
      kind: 'customer',
      bodyText: 'hi',
      inboundId: 'in-1',
    });
    expect(first).not.toBeNull();
    expect(again).toBeNull();
    expect((await ticketConversation(t.db, ticket.number))!.messages).toHaveLength(1);
  });

  it('lists by status, mine, and search by number, requester or subject', async () => {
    const agent = await createAgent(t.db, {
      email: 'agent1@support.example.com',
      name: 'Agent One',
      password: 'correct horse',
    });
    const ticket = await openTicket(t.db, {
      ...base,
      subject: 'Printer on fire',
      requester: { address: 'gus@example.com', name: 'Gus Grey' },
    });
    await assignTicket(t.db, ticket.number, agent.id);
    await setStatus(t.db, ticket.number, 'pending');
    expect((await listTickets(t.db, { filter: 'pending' })).map((x) => x.number)).toEqual([ticket.number]);
    expect((await listTickets(t.db, { filter: 'mine', agentId: agent.id })).map((x) => x.number)).toEqual([
      ticket.number,
    ]);
    expect((await listTickets(t.db, { filter: 'all', query: `#${ticket.number}` })).map((x) => x.number)).toEqual([
      ticket.number,
    ]);
    expect((await listTickets(t.db, { filter: 'all', query: 'gus grey' })).map((x) => x.number)).toEqual([
      ticket.number,
    ]);
    expect((await listTickets(t.db, { filter: 'all', query: 'ON FIRE' })).map((x) => x.number)).toEqual([
      ticket.number,
    ]);
    expect(await listTickets(t.db, { filter: 'all', query: '100%_' })).toEqual([]);
    await setStatus(t.db, ticket.number, 'closed');
    expect(await listTickets(t.db, { filter: 'mine', agentId: agent.id })).toEqual([]);
  });

  it('marks undeliverable addresses on the ticket', async () => {
    const ticket = await openTicket(t.db, {
      ...base,
      subject: 'Bounce',
      requester: { address: 'hal@example.com', name: '' },
    });
    await markUndeliverable(t.db, {
      address: 'HAL@example.com',
      reason: '550 5.1.1 no such user',
      ticketNumber: ticket.number,
    });
    await markUndeliverable(t.db, { address: 'hal@example.com', reason: '550 5.1.1 still no such user' });
    const conv = await ticketConversation(t.db, ticket.number);
    expect(conv!.participants[0]!.undeliverable).toBe('550 5.1.1 still no such user');
  });
});

describe('threading', () => {
  it('reads and writes subject tags', () => {
    expect(subjectTag('Re: [#1042] Printer')).toBe(1042);
    expect(subjectTag('Printer #1042')).toBeNull();
    expect(cleanSubject('Re: AW: Fwd: [#1042] Printer')).toBe('Printer');
    expect(taggedSubject('Re: Printer', 1042)).toBe('[#1042] Printer');
    expect(replySubject(taggedSubject('[#1042] Printer', 1042))).toBe('Re: [#1042] Printer');
  });

  it('keeps subjects one header-safe line, whatever the sender decoded into them, in linear time', () => {
    expect(storedSubject('Invoice\r\nBcc: everyone@example.com')).toBe('Invoice Bcc: everyone@example.com');
    expect(storedSubject(' \r\n ')).toBe('(no subject)');
    expect(taggedSubject('Re: Invoice\r\n\r\nBcc: x', 7)).toBe('[#7] Invoice Bcc: x');
    expect(taggedSubject('x'.repeat(5000), 7).length).toBeLessThanOrEqual(206);
    // Hostile shapes for the tag and prefix patterns: long runs that never match (quadratic regexes stall here).
    for (const hostile of [
      ' '.repeat(200_000),
      're:'.repeat(100_000),
      '[#1'.repeat(100_000),
      `Re${' '.repeat(100_000)}x`,
    ]) {
      expect(cleanSubject(hostile).length).toBeLessThanOrEqual(998);
      expect(subjectTag(hostile)).toBeNull();
    }
  });

  it('matches token, then signed ids, then known ids and subject tags only for participants', async () => {
    const ticket = await openTicket(t.db, {
      ...base,
      subject: 'Match me',
      requester: { address: 'ivy@example.com', name: '' },
      cc: [{ address: 'jon@example.com', name: '' }],
    });
    await recordMessage(t.db, {
      ticketNumber: ticket.number,
      direction: 'inbound',
      kind: 'customer',
      bodyText: 'x',
      messageId: 'orig@mail.example.com',
    });
    const none = {
      tokenTicket: null,
      signedTickets: [],
      referencedIds: [],
      subject: 'hello',
      sender: 'ivy@example.com',
      aligned: true,
    };
    expect(await findReplyTicket(t.db, none)).toBeNull();
    expect((await findReplyTicket(t.db, { ...none, tokenTicket: ticket.number, sender: 'anyone@else.com' }))!.via).toBe(
      'token',
    );
    expect((await findReplyTicket(t.db, { ...none, signedTickets: [999_999, ticket.number] }))!.via).toBe('message-id');
    expect(
      (await findReplyTicket(t.db, { ...none, referencedIds: ['<orig@mail.example.com>'], sender: 'JON@example.com' }))!
        .via,
    ).toBe('known-message-id');
    expect(
      await findReplyTicket(t.db, { ...none, referencedIds: ['orig@mail.example.com'], sender: 'mallory@evil.test' }),
    ).toBeNull();
    const tagged = { ...none, subject: `Re: [#${ticket.number}] Match me` };
    expect((await findReplyTicket(t.db, tagged))!.ticket.number).toBe(ticket.number);
    expect(await findReplyTicket(t.db, { ...tagged, sender: 'mallory@evil.test' })).toBeNull();
    // An unauthenticated sender (From may be forged) joins by nothing anyone can copy: tag, known ids.
    expect(await findReplyTicket(t.db, { ...tagged, aligned: false })).toBeNull();
    expect(
      await findReplyTicket(t.db, {
        ...none,
        referencedIds: ['orig@mail.example.com'],
        sender: 'jon@example.com',
        aligned: false,
      }),
    ).toBeNull();
    expect((await findReplyTicket(t.db, { ...none, signedTickets: [ticket.number], aligned: false }))!.via).toBe(
      'message-id',
    );
  });

  it('reopens a recently closed ticket and links a new one after the age limit', async () => {
    const ticket = await openTicket(t.db, {
      ...base,
      subject: 'Old',
      requester: { address: 'kim@example.com', name: '' },
    });
    const now = new Date('2026-11-26T12:00:00Z');
    expect(followUp(ticket, 30, now)).toBe('append');
    const pending = (await setStatus(t.db, ticket.number, 'pending', now))!;
    expect(followUp(pending, 30, now)).toBe('reopen');
    const closed = (await setStatus(t.db, ticket.number, 'closed', new Date('2026-11-01T12:00:00Z')))!;
    expect(followUp(closed, 30, now)).toBe('reopen');
    expect(followUp(closed, 20, now)).toBe('new-linked');
  });
});

describe('throttle', () => {
  it('throttles a sender after N tickets within M minutes', async () => {
    const config = { maxTickets: 2, windowMinutes: 10 };
    const start = new Date('2026-11-26T10:00:00Z');
    const at = (minutes: number) => new Date(start.getTime() + minutes * 60_000);
    const requester = { address: 'loop@robot.example', name: '' };
    expect(await isThrottled(t.db, 'loop@robot.example', config, at(0))).toBe(false);
    await openTicket(t.db, { ...base, subject: 'a', requester, now: at(0) });
    await openTicket(t.db, { ...base, subject: 'b', requester, now: at(1) });
    expect(await isThrottled(t.db, 'LOOP@robot.example', config, at(2))).toBe(true);
    expect(await isThrottled(t.db, 'other@robot.example', config, at(2))).toBe(false);
    expect(await isThrottled(t.db, 'loop@robot.example', config, at(10.5))).toBe(false);
  });
});

describe('agents', () => {
  it('hashes passwords with scrypt and a per-user salt', async () => {
    const a = await hashPassword('s3cret-password');
    const b = await hashPassword('s3cret-password');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifyPassword('s3cret-password', a)).toBe(true);
    expect(await verifyPassword('s3cret-passwore', a)).toBe(false);
    await expect(hashPassword('short')).rejects.toThrow(/at least 12/);
  });

  it('authenticates, finds agents and keeps API tokens (sessions: the app kit)', async () => {
    await createAgent(t.db, { email: 'Lee@Support.example.com', name: 'Lee', password: 'lee password' });
    expect(await authenticateAgent(t.db, 'lee@support.example.com', 'wrong password')).toBeNull();
    expect(await authenticateAgent(t.db, 'nobody@support.example.com', 'lee password')).toBeNull();
    const lee = await authenticateAgent(t.db, 'LEE@support.example.com', 'lee password');
    expect(lee).toMatchObject({ email: 'lee@support.example.com', name: 'Lee' });
    expect(await agentById(t.db, lee!.id)).toEqual(lee);
    expect(await agentById(t.db, Number.NaN)).toBeNull();
    const token = await issueApiToken(t.db, lee!.id);
    expect(await agentByApiToken(t.db, token)).toMatchObject({ id: lee!.id });
    expect(await agentByApiToken(t.db, `${token}x`)).toBeNull();
  });
});
