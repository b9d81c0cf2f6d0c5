import { describe, expect, it } from 'vitest';
import { EventParseError, parseEventBody, toDate } from './parse.js';
import { TWO_EVENTS } from './vectors.test-data.js';

describe('parseEventBody', () => {
  it('types the official two-event payload', () => {
    const [processed, bounce] = parseEventBody(Buffer.from(TWO_EVENTS.body));
    expect(processed).toMatchObject({
      kind: 'processed',
      email: 'invalid@gmail.com',
      timestamp: new Date(1619651146_000),
      sendAt: null,
      providerMessageId: 'qNwBLgPQQjW6DJvKQwSAbw',
      smtpId: '<qNwBLgPQQjW6DJvKQwSAbw@ismtpd0178p1mdw1.sendgrid.net>',
      customArgs: {},
    });
    expect(bounce).toMatchObject({ kind: 'bounce', type: 'blocked', status: '5.2.2', tls: true, ip: '167.89.101.76' });
    if (bounce?.kind === 'bounce') expect(bounce.reason).toMatch(/^552 5\.2\.2/);
  });

  it('tolerates documented quirks and separates custom args from SendGrid keys', () => {
    const events = parseEventBody(
      JSON.stringify([
        {
          event: 'Processed',
          email: 'a@x.com',
          timestamp: '123456789',
          category: 'welcome',
          sg_event_id: 'e1',
          mailroom_id: 'm-1',
          ticket: '42',
          pool: { name: 'p', id: 210 },
        },
        {
          event: 'deferred',
          email: 'a@x.com',
          timestamp: 1591726752372,
          attempt: '5',
          response: '400 try later',
          category: ['a', 'b'],
          sg_event_id: 'e2',
        },
        {
          event: 'open',
          email: 'a@x.com',
          timestamp: 1,
          sg_machine_open: true,
          useragent: 'Mozilla',
          sg_event_id: 'e3',
          singlesend_id: 's',
          marketing_campaign_name: 'm',
        },
        {
          event: 'click',
          email: 'a@x.com',
          url: 'https://x',
          url_offset: { index: 2, type: 'html' },
          sg_event_id: 'e4',
        },
        {
          event: 'bounce',
          email: 'a@x.com',
          type: 'bounce',
          bounce_classification: 'Invalid Address',
          sg_event_id: 'e5',
        },
        { event: 'group_unsubscribe', asm_group_id: 7, sg_event_id: 'e6' },
        { event: 'account_status_change', type: 'compliance_suspend', sg_event_id: 'e7' },
        { event: 'delivered', unique_args: { legacy: 'yes' }, sg_event_id: 'e8', tls: 0 },
      ]),
    );
    expect(events.map((e) => e.kind)).toEqual([
      'processed',
      'deferred',
      'open',
      'click',
      'bounce',
      'group_unsubscribe',
      'unknown',
      'delivered',
    ]);
    const [processed, deferred, open, click, bounce, group, unknown, delivered] = events as any[];
    expect(processed).toMatchObject({
      event: 'processed',
      categories: ['welcome'],
      timestamp: new Date(123456789_000),
      customArgs: { mailroom_id: 'm-1', ticket: '42' },
      pool: { name: 'p', id: 210 },
    });
    expect(deferred).toMatchObject({ attempt: 5, categories: ['a', 'b'], timestamp: new Date(1591726752372) });
    expect(open).toMatchObject({ machineOpen: true, useragent: 'Mozilla', customArgs: {} });
    expect(click).toMatchObject({ url: 'https://x', urlOffset: { index: 2, type: 'html' } });
    expect(bounce).toMatchObject({ type: 'bounce', bounceClassification: 'Invalid Address' });
    expect(group).toMatchObject({ asmGroupId: 7, timestamp: null, email: null });
    expect(unknown).toMatchObject({ event: 'account_status_change', customArgs: {} });
    expect(unknown.payload.type).toBe('compliance_suspend');
    expect(delivered).toMatchObject({ tls: false, customArgs: { legacy: 'yes' } });
  });

  it('synthesizes a stable sg_event_id when one is missing', () => {
    const [a] = parseEventBody('[{"event":"open","email":"a@x.com","timestamp":1}]');
    const [b] = parseEventBody('[{"timestamp":1,"email":"a@x.com","event":"open"}]');
    expect(a!.sgEventId).toMatch(/^mailroom:/);
    expect(a!.sgEventId).toBe(b!.sgEventId);
  });

  it('explains malformed bodies', () => {
    expect(() => parseEventBody('[{"event":')).toThrow(EventParseError);
    expect(() => parseEventBody('[{"event":')).toThrow(/not valid JSON/);
    expect(() => parseEventBody('{"event":"open"}')).toThrow(/expected a JSON array of events, got an object/);
    expect(() => parseEventBody('[{"event":"open"}, 3]')).toThrow(/event 1 is a number/);
  });

  it('normalizes timestamps', () => {
    expect(toDate(1600112492)).toEqual(new Date('2020-09-14T19:41:32Z'));
    expect(toDate(1600112492000)).toEqual(new Date('2020-09-14T19:41:32Z'));
    expect(toDate('1600112492')).toEqual(new Date('2020-09-14T19:41:32Z'));
    expect(toDate('soon')).toBeNull();
    expect(toDate(null)).toBeNull();
  });
});
