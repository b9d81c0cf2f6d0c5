/**
 * Property: whatever happens to a valid post on its way in (truncation, flipped bytes, parts
 * dropped or duplicated, garbage JSON, huge headers, NUL bytes, hostile filenames, a broken
 * Content-Type), the endpoint answers 2xx with a well-formed email or 4xx with a reason.
 * Never a 5xx (SendGrid would retry it for 3 days), never a hang, never a crash.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  inboundFormParts,
  multipartBody,
  multipartContentType,
  type FormPart,
  type InboundDescription,
} from '@mailroom/core/testing';
import { startInboundServer, type Reply } from './server.js';

let server: Awaited<ReturnType<typeof startInboundServer>>;
beforeAll(async () => {
  server = await startInboundServer();
});
afterAll(async () => {
  await server.close();
});

// Per charset, characters it can encode (plus markup, quotes, line breaks); no "Y", so no
// generated text can contain the boundary "--xYzZY".
const ascii = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX0123456789 .,;:!?-_@<>&"\'=/\\\r\n\t';
const alphabets: Record<string, string> = {
  'UTF-8': `${ascii}éü€’…—😀中文Ωß\u0000\u200b`,
  'windows-1252': `${ascii}’“”…€éñ`,
  cp850: `${ascii}éñ¿¢óí`,
  'koi8-r': `${ascii}Привет мир`,
  'iso-2022-jp': `${ascii}日本語のメール`,
  shift_jis: `${ascii}テスト送信`,
  gb18030: `${ascii}测试邮件😀`,
};
const textFrom = (alphabet: string, maxLength: number) =>
  fc.array(fc.constantFrom(...alphabet), { maxLength }).map((chars) => chars.join(''));

const hostileFilenames = [
  '../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '/etc/shadow',
  'a\u0000b.txt',
  '',
  '.',
  '..',
  '.htaccess',
  `${'x'.repeat(300)}.pdf`,
  'CON',
  'résumé.pdf',
  'file"quoted".txt',
  'line\r\nbreak.txt',
];

const description: fc.Arbitrary<InboundDescription> = fc.constantFrom(...Object.keys(alphabets)).chain((charset) =>
  fc.record({
    mode: fc.constantFrom('parsed' as const, 'raw' as const),
    charset: fc.constant(charset),
    subject: textFrom(alphabets[charset]!.replace(/[\r\n]/g, ''), 40),
    text: fc.option(textFrom(alphabets[charset]!, 200), { nil: undefined }),
    html: fc.option(
      textFrom(alphabets[charset]!, 200).map((t) => `<p>${t}</p>`),
      { nil: undefined },
    ),
    cc: fc.option(
      fc.constantFrom(
        'Carol <carol@example.org>',
        'a@b.example, "Quoted, Name" <q@example.org>',
        'undisclosed-recipients:;',
      ),
      { nil: undefined },
    ),
    bcc: fc.option(fc.constant('hidden@inbound.example.com'), { nil: undefined }),
    attachments: fc.array(
      fc.record({
        filename: fc.constantFrom(...hostileFilenames, 'notes.txt', 'photo.jpg'),
        content: fc.uint8Array({ maxLength: 1500 }).map((bytes) => Buffer.from(bytes)),
        contentId: fc.option(fc.constantFrom('img@x', '<img2@x>', 'weird id'), { nil: undefined }),
      }),
      { maxLength: 3 },
    ),
    fieldOrder: fc.constantFrom('sendgrid' as const, 'shuffled' as const),
    seed: fc.integer({ min: 1, max: 1000 }),
    spamScore: fc.option(fc.double({ min: -10, max: 100, noNaN: true }), { nil: null }),
  }),
);

const garbageJson = fc.oneof(
  fc.json({ maxDepth: 2 }),
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '',
    'null',
    '[]',
    '{',
    '{"to":"x"}',
    '{"to":[1,{}]}',
    '{"from":{}}',
    '{"attachment1":null}',
    '{"__proto__":{"polluted":1}}',
    '{"attachment1":{"filename":["a"]}}',
    '"\u0000"',
  ),
);

type PartMutation = (parts: FormPart[]) => FormPart[];
const atIndex = (parts: FormPart[], index: number) => index % Math.max(parts.length, 1);

const partMutation: fc.Arbitrary<PartMutation> = fc.oneof(
  fc.nat().map(
    (i): PartMutation =>
      (parts) =>
        parts.filter((_, j) => j !== atIndex(parts, i)),
  ),
  fc.nat().map(
    (i): PartMutation =>
      (parts) =>
        parts.length ? [...parts, { ...parts[atIndex(parts, i)]! }] : parts,
  ),
  fc
    .tuple(
      fc.constantFrom('envelope', 'charsets', 'attachment-info', 'content-ids', 'attachments', 'spam_score', 'dkim'),
      garbageJson,
    )
    .map(([name, value]): PartMutation => (parts) => {
      const replaced = parts.map((p) => (p.name === name ? { ...p, value: Buffer.from(value) } : p));
      return replaced.some((p) => p.name === name) ? replaced : [...replaced, { name, value: Buffer.from(value) }];
    }),
  fc.tuple(fc.integer({ min: 1, max: 400_000 }), fc.boolean()).map(
    ([size, manyLines]): PartMutation =>
      (parts) =>
        parts.map((p) => {
          if (p.name !== 'headers' && p.name !== 'email') return p;
          const huge = manyLines ? 'X-Many: y\r\n'.repeat(Math.ceil(size / 11)) : `X-Huge: ${'h'.repeat(size)}\r\n`;
          return { ...p, value: Buffer.concat([Buffer.from(huge), p.value]) };
        }),
  ),
  fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 8 })).map(
    ([i, at, count]): PartMutation =>
      (parts) =>
        parts.map((p, j) => {
          if (j !== atIndex(parts, i)) return p;
          const cut = at % (p.value.length + 1);
          return { ...p, value: Buffer.concat([p.value.subarray(0, cut), Buffer.alloc(count), p.value.subarray(cut)]) };
        }),
  ),
  fc.tuple(fc.nat(), fc.constantFrom(...hostileFilenames)).map(([i, filename]): PartMutation => (parts) => {
    const files = parts.filter((p) => p.filename !== undefined);
    const target = files[atIndex(files, i)];
    return parts.map((p) => (p === target ? { ...p, filename } : p));
  }),
  fc
    .tuple(
      fc.nat(),
      fc.constantFrom('attachment0', 'attachment999', 'attachment-1', 'attachment01', '', 'email', 'headers', 'SPF'),
    )
    .map(
      ([i, name]): PartMutation =>
        (parts) =>
          parts.map((p, j) => (j === atIndex(parts, i) ? { ...p, name } : p)),
    ),
);

type BodyMutation = (body: Buffer) => Buffer;
const bodyMutation: fc.Arbitrary<BodyMutation> = fc.oneof(
  fc.constant<BodyMutation>((body) => body),
  fc.nat().map(
    (at): BodyMutation =>
      (body) =>
        body.subarray(0, at % (body.length + 1)),
  ),
  fc
    .array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 6 })
    .map((flips): BodyMutation => (body) => {
      const copy = Buffer.from(body);
      for (const [at, mask] of flips) if (copy.length) copy[at % copy.length]! ^= mask;
      return copy;
    }),
  fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 64 })).map(([at, bytes]): BodyMutation => (body) => {
    const cut = at % (body.length + 1);
    return Buffer.concat([body.subarray(0, cut), bytes, body.subarray(cut)]);
  }),
);

const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant(multipartContentType()) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'multipart/form-data',
      'multipart/form-data; boundary=other',
      'text/plain',
      '',
      'multipart/form-data; boundary="xYzZY"; charset=utf-8',
      `multipart/form-data; boundary=${'b'.repeat(80)}`,
    ),
  },
);

function checkReply(reply: Reply): void {
  expect(reply.status, JSON.stringify(reply.body)).toBeLessThan(500);
  if (reply.status < 300) {
    expect(reply.status).toBeGreaterThanOrEqual(200);
    const email = reply.body.email!;
    expect(['parsed', 'raw']).toContain(email.mode);
    expect(typeof email.subject).toBe('string');
    expect(Array.isArray(email.to) && Array.isArray(email.cc) && Array.isArray(email.envelope.to)).toBe(true);
    expect(email.text === null || typeof email.text === 'string').toBe(true);
    for (const attachment of email.attachments) {
      expect(attachment.size).toBeGreaterThanOrEqual(0);
      expect(attachment.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(typeof attachment.filename).toBe('string');
    }
  } else {
    expect(reply.status).toBeGreaterThanOrEqual(400);
    expect(typeof reply.body.error).toBe('string');
    expect(reply.body.error).not.toBe('');
    expect(typeof reply.body.reason).toBe('string');
    expect(reply.body.reason).not.toBe('');
  }
}

it('mutated posts get 2xx with an email or 4xx with a reason, never 5xx', async () => {
  await fc.assert(
    fc.asyncProperty(
      description,
      fc.array(partMutation, { maxLength: 3 }),
      bodyMutation,
      contentType,
      async (desc, partMutations, mutateBody, type) => {
        const parts = partMutations.reduce((current, mutate) => mutate(current), inboundFormParts(desc));
        let body: Buffer;
        try {
          body = multipartBody(parts);
        } catch {
          return; // a mutation put the boundary inside a value: not a post SendGrid could send
        }
        body = mutateBody(body);
        const reply = await server.post('open', { body, contentType: type, headers: {} });
        checkReply(reply);
      },
    ),
    { numRuns: 300 },
  );
  expect(server.serverFaults).toEqual([]);
});
