// Baselines the parse benchmark compares against, on the same bytes:
// - bare:  busboy (every part as bytes) + mailparser on the raw `email` part — the least work a correct parser can do.
// - naive: Hono's `parseBody()` + `simpleParser` on the field *string* — what most webhook handlers do.
import Busboy from 'busboy';
import { Hono } from 'hono';
import { simpleParser } from 'mailparser';
import { Readable } from 'node:stream';

export async function bareParse(body, contentType) {
  const parts = new Map();
  await new Promise((resolve, reject) => {
    // latin1 maps every byte to one code unit, so Buffer.from(value, 'latin1') restores the exact bytes.
    const busboy = Busboy({
      headers: { 'content-type': contentType },
      limits: { fieldSize: Infinity, fileSize: Infinity },
      defCharset: 'latin1',
    });
    busboy.on('field', (name, value, info) => parts.set(name, { data: Buffer.from(value, 'latin1'), info }));
    busboy.on('file', (name, stream, info) => {
      const chunks = [];
      stream.on('data', (c) => chunks.push(c));
      stream.on('end', () => parts.set(name, { data: Buffer.concat(chunks), info }));
    });
    busboy.on('close', resolve);
    busboy.on('error', reject);
    Readable.from(body instanceof Buffer ? [body] : body).pipe(busboy);
  });
  const email = parts.get('email');
  if (email) return simpleParser(email.data);
  return parts;
}

const naiveApp = new Hono().post('/parse', async (c) => {
  const form = await c.req.parseBody({ all: true });
  const result = typeof form.email === 'string' ? await simpleParser(form.email) : form;
  return c.json({ subject: result.subject ?? null });
});

export async function naiveParse(body, contentType) {
  const response = await naiveApp.request('/parse', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  return response.json();
}
