import { parseArgs } from 'node:util';
import { DEFAULT_LIMITS } from '../../ingress/index.js';
import { RELAY_CONTENT_TYPE, relayEnvelopeHeaders, relaySecretProblem } from '../../ingress/index.js';
import type { CliIO, Command } from '../command.js';

/** sysexits.h: what Postfix, Exim and sendmail read from a delivery command's exit status. */
const EX_OK = 0;
const EX_USAGE = 64;
const EX_DATAERR = 65;
const EX_UNAVAILABLE = 69;
const EX_TEMPFAIL = 75;
const EX_CONFIG = 78;

const DEFAULT_TIMEOUT_SECONDS = 120;
/** How much of an answer is read for its reason. */
const MAX_ANSWER_BYTES = 16 * 1024;

export const relay: Command = {
  name: 'relay',
  summary: 'post one message from stdin to a Mailroom relay endpoint (an MTA pipe: Postfix, Exim, sendmail)',
  usage: `mailroom relay --url URL [--sender ADDR] [--recipient ADDR]... [RECIPIENT...]

Reads one RFC 5322 message from stdin and posts it to a Mailroom's relay endpoint
(relayIngress, e.g. https://mail.example.com/webhooks/raw), authenticated with the shared
secret in MAILROOM_RELAY_SECRET (never a flag: flags show in ps). Exits once the message is
stored, with a status an MTA understands (sysexits) and one line on stderr saying why not.

Options:
  --url URL          the relay endpoint (http or https)
  --sender ADDR      the SMTP envelope sender (Postfix: \${sender}; empty for a bounce)
  --recipient ADDR   an SMTP envelope recipient (Postfix: --recipient=\${recipient}); repeat
                     for several; RECIPIENT arguments after the options count too. Without
                     any, the Mailroom routes by the message's To/Cc/Delivered-To headers
  --max-bytes N      refuse a message larger than N bytes without posting it
                     (default ${DEFAULT_LIMITS.maxBodyBytes}, the ingress' maxBodyBytes)
  --timeout SECONDS  give up on the endpoint after this long (default ${DEFAULT_TIMEOUT_SECONDS})
  -h, --help         show this help

Environment:
  MAILROOM_RELAY_SECRET  one of the endpoint's secrets (32+ characters)

Exit status:
  0   stored (a message stored before is a duplicate: also 0)
  64  EX_USAGE: wrong or missing options (--url)
  65  EX_DATAERR: the message is refused for good (400, 413, 415, 422, 431), or stdin is
      empty or larger than --max-bytes: the MTA bounces it
  69  EX_UNAVAILABLE: any other 4xx answer: the MTA bounces it
  75  EX_TEMPFAIL: retry later: the endpoint cannot be reached or timed out, 5xx (the
      database is down: 503), 408, 429, a redirect, 404/405 (a wrong URL), 401/403 (a wrong
      or rotated secret: the mail stays queued until the configuration is fixed), or a 2xx
      that is not a Mailroom's answer
  78  EX_CONFIG: MAILROOM_RELAY_SECRET is missing or not a usable secret`,

  async run(argv, io) {
    const options = relayOptions(argv);
    if (typeof options === 'string') return fail(io, EX_USAGE, `${options} (see "mailroom relay --help")`);
    const secret = (io.env?.MAILROOM_RELAY_SECRET ?? '').trim();
    const secretProblem = secret ? relaySecretProblem(secret) : "is not set (one of the relay endpoint's secrets)";
    if (secretProblem) return fail(io, EX_CONFIG, `MAILROOM_RELAY_SECRET ${secretProblem}`);
    let envelopeHeaders: Record<string, string>;
    try {
      envelopeHeaders = relayEnvelopeHeaders({ from: options.sender, to: options.recipients });
    } catch (error) {
      return fail(io, EX_DATAERR, (error as Error).message);
    }
    const read = await readMessage(io.stdin, options.maxBytes);
    if (read === null)
      return fail(io, EX_DATAERR, `the message is larger than ${options.maxBytes} bytes (--max-bytes)`);
    const message = withoutMboxSeparator(read);
    if (message.length === 0) return fail(io, EX_DATAERR, 'stdin is empty: there is no message to relay');
    const headers = {
      authorization: `Bearer ${secret}`,
      'content-type': RELAY_CONTENT_TYPE,
      'user-agent': 'mailroom-relay',
      ...envelopeHeaders,
    };
    const answer = await post(options.url, message, headers, options.timeoutSeconds);
    return report(io, answer);
  },
};

interface RelayOptions {
  url: URL;
  sender: string | null;
  recipients: string[];
  maxBytes: number;
  timeoutSeconds: number;
}

/** The options, or what is wrong with them. */
function relayOptions(argv: string[]): RelayOptions | string {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        url: { type: 'string' },
        sender: { type: 'string' },
        recipient: { type: 'string', multiple: true },
        'max-bytes': { type: 'string' },
        timeout: { type: 'string' },
      },
      allowPositionals: true,
    });
  } catch (error) {
    return (error as Error).message;
  }
  const { values, positionals } = parsed;
  if (values.url === undefined) return 'missing --url (the relay endpoint)';
  const url = URL.canParse(values.url) ? new URL(values.url) : null;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    return `--url ${JSON.stringify(values.url)} is not an http(s) URL`;
  }
  const maxBytes = positiveNumber(values['max-bytes'], DEFAULT_LIMITS.maxBodyBytes);
  if (maxBytes === null || !Number.isSafeInteger(maxBytes)) return '--max-bytes must be a positive whole number';
  const timeoutSeconds = positiveNumber(values.timeout, DEFAULT_TIMEOUT_SECONDS);
  if (timeoutSeconds === null) return '--timeout must be a positive number of seconds';
  const recipients = [...(values.recipient ?? []), ...positionals];
  return { url, sender: values.sender ?? null, recipients, maxBytes, timeoutSeconds };
}

function positiveNumber(value: string | undefined, fallback: number): number | null {
  if (value === undefined) return fallback;
  const number = Number(value);
  return value.trim() !== '' && Number.isFinite(number) && number > 0 ? number : null;
}

/** All of stdin, or null as soon as it passes `maxBytes` (nothing is posted then). */
async function readMessage(stdin: CliIO['stdin'], maxBytes: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    size += bytes.length;
    if (size > maxBytes) return null;
    chunks.push(bytes);
  }
  return Buffer.concat(chunks, size);
}

/** An mbox `From ` separator line (Postfix's F flag, Exim's default message_prefix) is not part of the message. */
function withoutMboxSeparator(message: Buffer): Buffer {
  if (message.toString('latin1', 0, 5) !== 'From ') return message;
  const end = message.indexOf(0x0a);
  return end < 0 ? Buffer.alloc(0) : message.subarray(end + 1);
}

type Answer = { status: number; body: string } | { unreachable: string };

async function post(
  url: URL,
  message: Buffer,
  headers: Record<string, string>,
  timeoutSeconds: number,
): Promise<Answer> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body: new Uint8Array(message),
      // A POST must not turn into a GET somewhere else: a redirect is reported, not followed.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutSeconds * 1000),
    });
    return { status: response.status, body: await boundedText(response) };
  } catch (error) {
    const name = (error as Error)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      return { unreachable: `the relay endpoint did not answer within ${timeoutSeconds} s` };
    }
    const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
    return {
      unreachable: `cannot reach the relay endpoint (${cause?.code ?? cause?.message ?? (error as Error)?.message})`,
    };
  }
}

async function boundedText(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= MAX_ANSWER_BYTES) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The exit status for an answer, with its reason on stderr (the MTA's bounce or defer text). */
function report(io: CliIO, answer: Answer): number {
  if ('unreachable' in answer) return fail(io, EX_TEMPFAIL, answer.unreachable);
  const { status, body } = answer;
  const parsed = parseJson(body);
  if (status >= 200 && status < 300) {
    if (typeof parsed?.id !== 'string') {
      return fail(
        io,
        EX_TEMPFAIL,
        `the endpoint answered ${status} but not as a Mailroom relay endpoint (check --url)`,
      );
    }
    io.stdout.write(`${parsed.duplicate === true ? 'already stored' : 'stored'} ${parsed.id}\n`);
    return EX_OK;
  }
  const why =
    typeof parsed?.error === 'string'
      ? ` ${parsed.error}${typeof parsed.reason === 'string' ? `: ${parsed.reason}` : ''}`
      : '';
  return fail(io, exitForStatus(status), `the relay endpoint answered ${status}${why}`);
}

function exitForStatus(status: number): number {
  if (status >= 500 || status < 200 || (status >= 300 && status < 400)) return EX_TEMPFAIL;
  if ([401, 403, 404, 405, 408, 429].includes(status)) return EX_TEMPFAIL;
  if ([400, 413, 415, 422, 431].includes(status)) return EX_DATAERR;
  return EX_UNAVAILABLE;
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** One line on stderr (an MTA quotes it in the bounce or the defer log): no controls, bounded. */
function fail(io: CliIO, code: number, reason: string): number {
  const line = reason.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 500);
  io.stderr.write(`mailroom relay: ${line}\n`);
  return code;
}
