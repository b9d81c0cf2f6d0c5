import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInboundPost, httpRequestBytes } from '@mailroom/core/testing';
import { runCli } from './test-support.js';

const inspect = (argv: string[]) => runCli(['inspect', ...argv]);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mailroom-inspect-dkim-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('mailroom inspect --verify-dkim', () => {
  it("raw mode: prints Mailroom's own DKIM results, and the verdict reads them instead of SendGrid's claim", async () => {
    // SendGrid's field claims a pass for the From domain; the message itself carries no signature (no DNS needed).
    const file = join(dir, 'raw.http');
    await writeFile(
      file,
      httpRequestBytes(
        buildInboundPost({ mode: 'raw', from: 'ann@author.example', dkim: '{@author.example : pass}', spf: 'fail' }),
      ),
    );
    const plain = JSON.parse((await inspect([file])).stdout);
    expect(plain.auth).not.toHaveProperty('dkimCheck');
    expect(plain.auth.verdict).toMatchObject({ aligned: true, dkimSource: 'sendgrid' });

    const outcome = await inspect(['--verify-dkim', file]);
    expect(outcome.code).toBe(0);
    const json = JSON.parse(outcome.stdout);
    expect(json.auth.dkimCheck).toMatchObject({ status: 'verified', results: [] });
    expect(json.auth.verdict).toMatchObject({ aligned: false, dkimSource: 'mailroom' });
    expect(json.auth.verdict.reason).toMatch(
      /^no passing DKIM signature \(verified by Mailroom\) aligned with From domain author\.example \(dkim: none\); spf=fail/,
    );
  });

  it('parsed mode cannot be verified: dkimCheck is null and SendGrid’s field decides', async () => {
    const file = join(dir, 'parsed.http');
    await writeFile(
      file,
      httpRequestBytes(buildInboundPost({ from: 'ann@author.example', dkim: '{@author.example : pass}' })),
    );
    const json = JSON.parse((await inspect(['--verify-dkim', file])).stdout);
    expect(json.auth.dkimCheck).toBeNull();
    expect(json.auth.verdict).toMatchObject({ aligned: true, dkimSource: 'sendgrid' });
  });
});
