import { createServer, type IncomingMessage } from 'node:http';
import { Duplex } from 'node:stream';

/** An HTTP request read back from captured bytes: what `mailroom inspect` works on. */
export interface CapturedRequest {
  method: string;
  /** Request target as sent (`/webhooks/sendgrid/parse?x=1`). */
  target: string;
  /** Header pairs in order, names as sent. */
  headers: Array<[string, string]>;
  /** The body with any chunked framing removed. */
  body: Buffer;
}

/** A capture that is not a well-formed HTTP/1.x request; the message says why, in one line. */
export class CaptureError extends Error {
  override readonly name = 'CaptureError';
}

/**
 * Parses a captured HTTP/1.x request (request line, headers, body; `Transfer-Encoding: chunked`
 * decoded) with Node's own HTTP parser fed from memory, so framing rules are exactly the
 * server's. Lenient about bare-LF line endings, which hand-edited captures often have.
 */
export function parseCapturedRequest(bytes: Buffer): Promise<CapturedRequest> {
  return new Promise((resolve, reject) => {
    const server = createServer({ insecureHTTPParser: true, maxHeaderSize: 1024 * 1024 });
    let captured: CapturedRequest | undefined;
    let sawRequest = false;
    let settled = false;
    const finish = (error: Error | null) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (error) reject(error);
      else if (captured) resolve(captured);
      else reject(new CaptureError('no HTTP request found in the capture'));
    };

    const onRequest = (request: IncomingMessage) => {
      sawRequest = true;
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const headers: Array<[string, string]> = [];
        for (let i = 0; i < request.rawHeaders.length; i += 2)
          headers.push([request.rawHeaders[i]!, request.rawHeaders[i + 1]!]);
        captured ??= {
          method: request.method ?? 'GET',
          target: request.url ?? '/',
          headers,
          body: Buffer.concat(chunks),
        };
        // Let the parser look at what follows: trailing bytes mean the framing was wrong.
        setImmediate(() => finish(null));
      });
    };
    server.on('request', onRequest);
    server.on('checkContinue', onRequest);
    server.on('clientError', (error: Error & { code?: string }) =>
      finish(new CaptureError(describeParseError(error, sawRequest))),
    );

    const socket = new Duplex({
      read() {},
      write(_chunk, _encoding, done) {
        done(); // responses go nowhere
      },
    });
    socket.on('error', () => undefined);
    // The request's 'end' may still be queued when the socket closes.
    socket.on('close', () => setImmediate(() => finish(null)));
    server.emit('connection', socket);
    socket.push(bytes);
    socket.push(null);
  });
}

function describeParseError(error: Error & { code?: string }, afterRequestLine: boolean): string {
  if (error.code === 'HPE_INVALID_EOF_STATE') {
    return 'the capture ends before the body does (shorter than Content-Length, or an unfinished chunk)';
  }
  if (afterRequestLine) return 'bytes follow the end of the request body: is Content-Length missing or too small?';
  switch (error.code) {
    case 'HPE_INVALID_METHOD':
    case 'HPE_INVALID_VERSION':
    case 'HPE_INVALID_URL':
      return 'not an HTTP request (expected a request line like "POST /parse HTTP/1.1") nor an RFC 822 message; for a bare body pass --content-type';
    case 'HPE_HEADER_OVERFLOW':
      return 'the request headers exceed 1 MiB';
    default:
      return `malformed HTTP request (${error.code ?? error.message})`;
  }
}
