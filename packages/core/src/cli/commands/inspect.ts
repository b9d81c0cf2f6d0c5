import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { InboundEmail } from '../../message/index.js';
import {
  createIngress,
  parseInboundBody,
  rawMessageOf,
  readProviderCapture,
  storedFormOf,
  type MimeDelivery,
} from '../../ingress/index.js';
import { isTemporaryDkimFailure, verifyDkim } from '../../text/index.js';
import { parseCapturedRequest } from '../captured-request.js';
import { UsageError, type CliIO, type Command } from '../command.js';
import {
  INSPECT_PROVIDERS,
  detectProvider,
  looksLikeMessage,
  looksLikeRequest,
  type InspectInput,
  type InspectProvider,
} from './inspect-providers.js';

export const inspect: Command = {
  name: 'inspect',
  summary: 'parse a captured webhook request (SendGrid, Postmark, Mailgun, SES, relay) and print the email as JSON',
  usage: `mailroom inspect [--public-key KEY]... FILE
mailroom inspect --content-type CT FILE
mailroom inspect --provider sendgrid|postmark|mailgun|ses|relay FILE

Reads FILE (- for stdin): a captured HTTP request (request line, headers, body; chunked
bodies are decoded), with --content-type a bare body, or a bare RFC 822 message (what the
relay endpoint takes). Tells the provider from what was posted unless --provider names it:
Postmark's JSON (RawEmail, MessageID), Mailgun's form (body-mime, signature), SNS's
x-amz-sns-message-type header (SES), the relay's message/rfc822, SendGrid's multipart (envelope with email or the parsed fields). Prints the
InboundEmail as JSON on stdout ("provider" says which), with what Mailroom reads from it:
"reply" (new text, quoted history, signature), "classification" (kind and reasons) and
"auth.verdict" (is From authenticated).

Options:
  --provider NAME     read FILE as NAME's request: sendgrid, postmark, mailgun, ses or relay
  --content-type CT   FILE is a bare body with this Content-Type (boundary included)
  --public-key KEY    verify the SendGrid signature headers in FILE with this base64 DER
                      public key (repeat for several keys); the post must be signed
                      (other providers' credentials are not checked)
  --verify-dkim       raw mode: verify the message's DKIM signatures (live DNS) as
                      senderAuth: { dkim: 'verify' } does, and print them as "auth.dkimCheck";
                      the verdict then reads them (parsed mode: dkimCheck null, SendGrid's field)
  -h, --help          show this help

Exit status: 0 parsed, 1 the post is rejected, unreadable or of no provider inspect can tell,
2 wrong arguments.`,

  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        provider: { type: 'string' },
        'content-type': { type: 'string' },
        'public-key': { type: 'string', multiple: true },
        'verify-dkim': { type: 'boolean' },
      },
      allowPositionals: true,
    });
    if (positionals.length !== 1)
      throw new UsageError(positionals.length ? 'expected one FILE' : 'missing FILE (use - for stdin)');
    const given = providerOption(values.provider);
    const publicKeys = values['public-key'] ?? [];
    const bytes = await readInput(positionals[0]!, io);
    const input = await inputOf(bytes, values['content-type'], given);
    // Public keys are SendGrid's: with them an unrecognisable capture is read as SendGrid's (its error says why).
    const provider = given ?? (publicKeys.length ? detectOr(input, 'sendgrid') : detectProvider(input));
    if (publicKeys.length && provider !== 'sendgrid')
      throw new UsageError(`--public-key verifies SendGrid signatures; the capture is read as ${provider}'s`);
    const post =
      provider === 'sendgrid'
        ? await sendgridPost(input, publicKeys)
        : await mimePost(await readProviderCapture(provider, input));
    const verify = values['verify-dkim'] === true;
    const email = verify ? await withDkimCheck(post) : post.email;
    io.stdout.write(`${JSON.stringify(inspection(email, verify), null, 2)}\n`);
    return 0;
  },
};

function providerOption(value: string | undefined): InspectProvider | undefined {
  if (value === undefined) return undefined;
  if ((INSPECT_PROVIDERS as readonly string[]).includes(value)) return value as InspectProvider;
  throw new UsageError(`--provider must be one of ${INSPECT_PROVIDERS.join(', ')} (got ${JSON.stringify(value)})`);
}

function detectOr(input: InspectInput, fallback: InspectProvider): InspectProvider {
  try {
    return detectProvider(input);
  } catch {
    return fallback;
  }
}

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

/**
 * The capture as a request: with --content-type a bare body; a request line, a captured request (its framing
 * headers dropped: the body is de-chunked); a first line that is a header field, a bare message for the relay.
 */
async function inputOf(
  bytes: Buffer,
  contentType: string | undefined,
  provider: InspectProvider | undefined,
): Promise<InspectInput> {
  if (contentType !== undefined)
    return {
      url: 'http://localhost/',
      headers: new Headers({ 'content-type': contentType }),
      body: bytes,
      contentType,
    };
  const bareMessage = provider === undefined || provider === 'relay';
  if (bareMessage && !looksLikeRequest(bytes) && looksLikeMessage(bytes)) {
    return { url: 'http://localhost/', headers: new Headers(), body: bytes, contentType: 'message/rfc822' };
  }
  const captured = await parseCapturedRequest(bytes);
  const headers = new Headers();
  for (const [name, value] of captured.headers) {
    // The body is already de-chunked; framing headers would describe bytes that no longer exist.
    if (!/^(transfer-encoding|content-length|host|connection|expect)$/i.test(name)) headers.append(name, value);
  }
  const host = captured.headers.find(([name]) => name.toLowerCase() === 'host')?.[1] ?? 'localhost';
  return {
    url: new URL(captured.target, `http://${host}`).toString(),
    headers,
    body: captured.body,
    contentType: headers.get('content-type') ?? '',
  };
}

/** SendGrid's post, parsed as the ingress parses it; with public keys, received (signature verified) first. */
async function sendgridPost(input: InspectInput, publicKeys: string[]): Promise<InspectedPost> {
  const { body, contentType } = input;
  if (!publicKeys.length) return { email: await parseInboundBody(body, contentType), body, contentType };
  const request = new Request(input.url, { method: 'POST', headers: input.headers, body: new Uint8Array(body) });
  const ingress = createIngress({ security: { publicKeys } });
  return { email: (await ingress.receive(request)).email, body, contentType };
}

/** A raw-MIME provider's message in the form the inbox stores it (SendGrid's raw container), parsed. */
async function mimePost(delivery: MimeDelivery): Promise<InspectedPost> {
  const post = await storedFormOf(delivery, { parse: 'on-receipt' });
  if (!post.email) throw new Error('the message could not be parsed');
  return { email: post.email, body: post.body, contentType: post.contentType };
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
