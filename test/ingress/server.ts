import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { type IngressLimits, type InboundEmailJSON } from '@mailroom/core';
import { inboundApp, type HttpLogger } from '@mailroom/core/http';
import { inboundRequest, TEST_KEY_PAIR, type InboundRequestOptions, type PostSource } from '@mailroom/core/testing';

export const BASIC = { username: 'sendgrid', password: 'correct horse battery staple' };
export const BEARER_TOKEN = 'oauth-token-from-the-test';

/** What the endpoint answers on success: the parsed email and how the post was authenticated. */
export interface Accepted {
  email: InboundEmailJSON;
  sha256: string;
  authenticatedBy: string[];
}

export interface Reply {
  status: number;
  headers: Headers;
  body: { error?: string; reason?: string } & Partial<Accepted>;
}

/**
 * A real HTTP server (Hono on @hono/node-server, port 0) with one inbound endpoint per
 * security setup, each answering with the email's JSON so tests assert over the wire.
 */
export async function startInboundServer(options: { limits?: IngressLimits } = {}) {
  const serverFaults: unknown[][] = [];
  const logger: HttpLogger = { warn: () => undefined, error: (...args) => serverFaults.push(args) };
  const onEmail = ({
    email,
    sha256,
    authenticatedBy,
  }: {
    email: { toJSON(): InboundEmailJSON };
    sha256: string;
    authenticatedBy: string[];
  }) => Response.json({ email: email.toJSON(), sha256, authenticatedBy });
  const common = { logger, onEmail, ...(options.limits ? { limits: options.limits } : {}) };

  const app = new Hono();
  app.route('/signed', inboundApp({ ...common, security: { publicKeys: [TEST_KEY_PAIR.publicKey] } }));
  app.route('/basic', inboundApp({ ...common, security: { basic: [BASIC] } }));
  app.route('/bearer', inboundApp({ ...common, security: { bearer: (token) => token === BEARER_TOKEN } }));
  app.route('/open', inboundApp({ ...common, security: { insecure: true } }));

  const server: ServerType = await new Promise((ready) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => ready(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    base,
    serverFaults,
    /** Posts through real HTTP to `/<endpoint>/parse`. */
    async post(
      endpoint: 'signed' | 'basic' | 'bearer' | 'open',
      source: PostSource,
      requestOptions: InboundRequestOptions = {},
    ): Promise<Reply> {
      const request = inboundRequest(source, { ...requestOptions, url: `${base}/${endpoint}/parse` });
      return send(request);
    },
    send,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

export async function send(request: Request): Promise<Reply> {
  const response = await fetch(request, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  let body: Reply['body'];
  try {
    body = JSON.parse(text);
  } catch {
    body = { reason: `non-JSON body: ${text.slice(0, 200)}` };
  }
  return { status: response.status, headers: response.headers, body };
}
