import { describe, expect, it } from 'vitest';
import { preferredStatus, replyClass, statusInText } from './status-codes.js';

describe('replyClass', () => {
  it('is the first failing reply code, a success code only when nothing failed', () => {
    expect(replyClass('Out: 250 2.1.5 Ok\nOut: 451 4.3.0 queue file write error')).toBe('4');
    expect(replyClass('250 2.1.5 Ok')).toBe('2');
    expect(replyClass('ERROR_CODE :421, Host not reachable')).toBe('4');
    expect(replyClass('550-5.1.1 The account does not exist')).toBe('5');
  });

  it('reads no reply in addresses, dates or longer numbers', () => {
    expect(replyClass('host mx.example.net [203.0.113.225] refused')).toBeUndefined();
    expect(replyClass('Thu, 29 Apr 2016 23:34:45 +0900, id 5501')).toBeUndefined();
    expect(replyClass(null)).toBeUndefined();
  });
});

describe('statusInText', () => {
  it('skips version numbers and IP addresses that look like codes', () => {
    expect(statusInText('Exim v4.2.1 at 10.4.2.1: 550 5.1.1 no such user')).toBe('5.1.1');
    expect(statusInText('OpenSMTPD 5.1.10.3 said 550 #5.1.0 Address rejected')).toBe('5.1.0');
  });

  it('takes the code of the reply class, a generic X.0.0 or 4.4.7 only when it is the only one', () => {
    expect(statusInText('554 5.0.0 Service unavailable; 554 5.7.1 Relay access denied')).toBe('5.7.1');
    expect(statusInText('554 4.4.7 Message expired: <421 4.4.2 Connection timed out>')).toBe('4.4.2');
    expect(statusInText('451 4.4.7 gave up')).toBe('4.4.7');
    expect(statusInText('550 4.2.2 then 5.2.2 over quota')).toBe('5.2.2');
  });

  it("in a transcript, the failing step's code, not the accepted RCPT's", () => {
    expect(
      statusInText('In: RCPT TO:<a@b.example>\nOut: 250 2.1.5 Ok\nIn: DATA\nOut: 451 4.3.0 queue file write error'),
    ).toBe('4.3.0');
    expect(statusInText('250 2.1.5 Ok')).toBe('2.1.5');
    expect(statusInText('codes 2.1.5 and 5.2.1', null)).toBe('5.2.1');
  });

  it('reads a bounded number of codes of a bounded prefix', () => {
    expect(statusInText(`${'550 5.0.0 no\n'.repeat(100)}550 5.7.1 late`)).toBe('5.0.0');
    expect(statusInText(`${'x'.repeat(20_000)} 550 5.1.1 far away`)).toBeNull();
  });
});

describe('preferredStatus', () => {
  it("a generic or half-zero Status field gives way to the diagnostic's code", () => {
    expect(preferredStatus('5.0.0', '5.7.1', '5')).toBe('5.7.1');
    expect(preferredStatus('5.1.0', '5.1.1', '5')).toBe('5.1.1');
    expect(preferredStatus('5.1.0', '5.7.0', '5')).toBe('5.1.0');
  });

  it("4.4.7, 5.3.x and 5.1.1 stamped by the reporting MTA give way to the remote server's reason", () => {
    expect(preferredStatus('4.4.7', '4.4.2', '4')).toBe('4.4.2');
    expect(preferredStatus('5.3.0', '5.2.2', '5')).toBe('5.2.2');
    expect(preferredStatus('5.1.1', '5.7.1', '5')).toBe('5.7.1');
    expect(preferredStatus('5.1.1', '5.7.0', '5')).toBe('5.1.1');
  });

  it('keeps the field otherwise, or when the diagnostic is the vaguer one', () => {
    expect(preferredStatus('5.2.2', '5.7.1', '5')).toBe('5.2.2');
    expect(preferredStatus('5.2.2', '5.0.0', '5')).toBe('5.2.2');
    expect(preferredStatus('5.2.2', null, undefined)).toBe('5.2.2');
    expect(preferredStatus(null, '4.2.2', '4')).toBe('4.2.2');
  });

  it('when field and diagnostic disagree on the class, the SMTP reply decides', () => {
    expect(preferredStatus('5.0.0', '4.2.2', '4')).toBe('4.2.2');
    expect(preferredStatus('4.4.7', '5.1.1', '4')).toBe('4.4.7');
    expect(preferredStatus('5.1.1', '4.2.2', undefined)).toBe('5.1.1');
  });
});
