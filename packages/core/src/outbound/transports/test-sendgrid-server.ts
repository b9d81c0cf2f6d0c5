import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the stand-in received it, its body whole. */
export interface StandInRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface StandInReply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface SendGridStandIn {
  /** For `sendgridTransport({ baseUrl })`. */
  baseUrl: string;
  close(): Promise<void>;
}

/** A stand-in for api.sendgrid.com on 127.0.0.1 (node:http): every request is answered with what `answer` returns. */
export async function startSendGridStandIn(
  answer: (request: StandInRequest) => StandInReply,
): Promise<SendGridStandIn> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = answer({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(reply.status, reply.headers ?? {}).end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
