import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { InboundEmail } from '../../message/index.js';
import { createIngress, parseInboundBody, rawMessageOf } from '../../ingress/index.js';
import { isTemporaryDkimFailure, verifyDkim } from '../../text/index.js';
import { parseCapturedRequest } from '../captured-request.js';
import { UsageError, type CliIO, type Command } from '../command.js';

export const inspect: Command = {
  name: 'inspect',
  summary: 'parse a captured Inbound Parse post and print the email as JSON',
  usage: `mailroom inspect [--public-key KEY]... FILE
mailroom inspect --content-type CT FILE

Reads FILE (- for stdin): a captured HTTP request (request line, headers, body; chunked
bodies are decoded), or with --content-type a bare multipart body. Prints the InboundEmail
as JSON on stdout, with what Mailroom reads from it: "reply" (new text, quoted history,
signature), "classification" (kind and reasons) and "auth.verdict" (is From authenticated).

Options:
  --content-type CT   FILE is a bare body with this Content-Type (boundary included)
  --public-key KEY    verify the SendGrid signature headers in FILE with this base64 DER
                      public key (repeat for several keys); the post must be signed
  --verify-dkim       raw mode: verify the message's DKIM signatures (live DNS) as
                      senderAuth: { dkim: 'verify' } does, and print them as "auth.dkimCheck";
                      the verdict then reads them (parsed mode: dkimCheck null, SendGrid's field)
  -h, --help          show this help

Exit status: 0 parsed, 1 the post is rejected or unreadable, 2 wrong arguments.`,

  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        'content-type': { type: 'string' },
        'public-key': { type: 'string', multiple: true },
        'verify-dkim': { type: 'boolean' },
      },
      allowPositionals: true,
    });
    if (positionals.length !== 1)
      throw new UsageError(positionals.length ? 'expected one FILE' : 'missing FILE (use - for stdin)');
    const bytes = await readInput(positionals[0]!, io);
    const publicKeys = values['public-key'] ?? [];
    const post = await inspectBytes(bytes, { contentType: values['content-type'], publicKeys });
    const verify = values['verify-dkim'] === true;
    const email = verify ? await withDkimCheck(post) : post.email;
    io.stdout.write(`${JSON.stringify(inspection(email, verify), null, 2)}\n`);
    return 0;
  },
};

/** The email's JSON plus the diagnosis a handler would see: reply extraction, classification, sender verdict. */
function inspection(email: InboundEmail, verified: boolean) {
  const json = email.toJSON();
  const { text, quoted, signature } = email.reply();
  return {
    ...json,
    auth: { ...json.auth, ...(verified ? { dkimCheck: email.dkimCheck } : {}), verdict: email.authVerdict() },
    reply: { text, quoted, signature },
    classification: email.classify(),
  };
}

/** Raw mode: the email with its DKIM signatures verified (system DNS, the Mailroom's defaults); parsed mode: as is. */
async function withDkimCheck({ email, body, contentType }: InspectedPost): Promise<InboundEmail> {
  const raw = email.mode === 'raw' ? rawMessageOf(body, contentType) : null;
  if (!raw) return email;
  const results = await verifyDkim(raw);
  return email.withDkimCheck({
    status: isTemporaryDkimFailure(results) ? 'temperror' : 'verified',
    results,
    checkedAt: new Date().toISOString(),
  });
}

interface InspectedPost {
  email: InboundEmail;
  body: Buffer;
  contentType: string;
}

async function inspectBytes(
  bytes: Buffer,
  options: { contentType: string | undefined; publicKeys: string[] },
): Promise<InspectedPost> {
  let request: Request;
  let body: Buffer;
  let contentType: string;
  if (options.contentType !== undefined) {
    body = bytes;
    contentType = options.contentType;
    if (!options.publicKeys.length) return { email: await parseInboundBody(body, contentType), body, contentType };
    request = new Request('http://localhost/', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: new Uint8Array(body),
    });
  } else {
    const captured = await parseCapturedRequest(bytes);
    const headers = new Headers();
    for (const [name, value] of captured.headers) {
      // The body is already de-chunked; framing headers would describe bytes that no longer exist.
      if (!/^(transfer-encoding|content-length|host|connection|expect)$/i.test(name)) headers.append(name, value);
    }
    body = captured.body;
    contentType = headers.get('content-type') ?? '';
    if (!options.publicKeys.length) return { email: await parseInboundBody(body, contentType), body, contentType };
    const host = captured.headers.find(([name]) => name.toLowerCase() === 'host')?.[1] ?? 'localhost';
    request = new Request(new URL(captured.target, `http://${host}`), {
      method: 'POST',
      headers,
      body: new Uint8Array(body),
    });
  }
  const ingress = createIngress({ security: { publicKeys: options.publicKeys } });
  return { email: (await ingress.receive(request)).email, body, contentType };
}

async function readInput(path: string, io: CliIO): Promise<Buffer> {
  if (path === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of io.stdin)
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
    return Buffer.concat(chunks);
  }
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      `cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? String(error))}`,
    );
  }
}
