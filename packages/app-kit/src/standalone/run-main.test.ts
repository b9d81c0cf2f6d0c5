import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { MailroomConfigurationError } from '@mailroom/core';
import { runMain } from './index.js';

/** A stand-in for `process` that records exit codes and can deliver signals. */
function fakeProcess() {
  const signals = new EventEmitter();
  const exits: number[] = [];
  let exited: (code: number) => void = () => {};
  const exitedOnce = new Promise<number>((resolve) => (exited = resolve));
  return {
    proc: {
      once: (event: string, listener: () => void) => signals.once(event, listener),
      exit: (code?: number) => {
        exits.push(code ?? 0);
        exited(code ?? 0);
      },
    } as unknown as Pick<NodeJS.Process, 'once' | 'exit'>,
    signal: (name: string) => signals.emit(name),
    exits,
    exitedOnce,
  };
}

describe('runMain', () => {
  it('closes the running server on SIGTERM and exits 0', async () => {
    const fake = fakeProcess();
    let closed = false;
    await runMain(async () => ({ close: async () => void (closed = true) }), { process: fake.proc, report: () => {} });
    expect(fake.exits).toEqual([]);
    fake.signal('SIGTERM');
    expect(await fake.exitedOnce).toBe(0);
    expect(closed).toBe(true);
  });

  it('prints only the message of a configuration error (an app subclass too) and exits 2', async () => {
    class EnvError extends MailroomConfigurationError {}
    const fake = fakeProcess();
    const reported: unknown[] = [];
    await runMain(() => Promise.reject(new EnvError('APP_SECRET is required')), {
      process: fake.proc,
      report: (m) => reported.push(m),
    });
    expect(fake.exits).toEqual([2]);
    expect(reported).toEqual(['APP_SECRET is required']);
  });

  it('closes once when both SIGINT and SIGTERM arrive, and prefixes reports with the label', async () => {
    const fake = fakeProcess();
    let closes = 0;
    await runMain(async () => ({ close: async () => void closes++ }), { process: fake.proc });
    fake.signal('SIGINT');
    fake.signal('SIGTERM');
    await fake.exitedOnce;
    expect(closes).toBe(1);
    const failing = fakeProcess();
    const reported: unknown[] = [];
    await runMain(() => Promise.reject(new MailroomConfigurationError('PORT must be a port number')), {
      process: failing.proc,
      label: 'mailroom demo',
      report: (m) => reported.push(m),
    });
    expect(reported).toEqual(['mailroom demo: PORT must be a port number']);
  });

  it('prints any other failure as the error itself and exits 1', async () => {
    const fake = fakeProcess();
    const reported: unknown[] = [];
    const failure = new Error('database refused the connection');
    await runMain(() => Promise.reject(failure), { process: fake.proc, report: (m) => reported.push(m) });
    expect(fake.exits).toEqual([1]);
    expect(reported).toEqual([failure]);
  });
});
