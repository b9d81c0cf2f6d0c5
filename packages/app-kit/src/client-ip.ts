import type { IncomingMessage } from 'node:http';
import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import proxyAddr from 'proxy-addr';
import { MailroomConfigurationError } from '@mailroom/core';

/**
 * Which TCP peers may vouch for the client's address in `X-Forwarded-For`: `(address, hop) => trusted`, hop 0
 * being the TCP peer (proxy-addr's trust function). Null: nobody — the TCP peer is the client.
 */
export type TrustProxy = ((address: string, hop: number) => boolean) | null;

const HOPS = /^\d{1,2}$/;

/**
 * Reads `TRUST_PROXY`: unset, empty, `0` or `false` trusts nobody (the default); a number N trusts the N
 * proxies nearest to us (1 = the TCP peer is our proxy); otherwise a comma-separated list of proxy addresses,
 * CIDR ranges or proxy-addr's names `loopback`, `linklocal`, `uniquelocal`. `true` (trust every hop) is refused:
 * the client would choose its own address.
 */
export function parseTrustProxy(value: string | undefined, name = 'TRUST_PROXY'): TrustProxy {
  const text = (value ?? '').trim().toLowerCase();
  if (text === '' || text === '0' || text === 'false') return null;
  if (text === 'true') {
    throw new MailroomConfigurationError(
      `${name}=true would believe any client's X-Forwarded-For; give the number of proxies in front of the server or their addresses`,
    );
  }
  if (HOPS.test(text)) {
    const hops = Number(text);
    return (_address, hop) => hop < hops;
  }
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  try {
    return proxyAddr.compile(entries);
  } catch (error) {
    throw new MailroomConfigurationError(
      `${name}: ${(error as Error).message} (expected a number of proxies, or addresses/CIDRs such as 10.0.0.0/8, loopback)`,
    );
  }
}

/**
 * The client's address for throttling. Without `trust` it is the TCP peer: a client writes forwarded-for headers
 * itself. With `trust` (see parseTrustProxy), `X-Forwarded-For` is read from the right only while each hop is a
 * trusted proxy, and the first untrusted hop is the client (proxy-addr) — a spoofed header from an untrusted peer
 * changes nothing.
 */
export function clientAddress(c: Context, trust: TrustProxy = null): string {
  const incoming = incomingOf(c);
  if (!incoming) return 'unknown'; // not served by @hono/node-server (a test calling app.fetch directly)
  const address = trust ? proxyAddr(incoming, trust) : incoming.socket.remoteAddress;
  // A throttle key, not a parsed address: bounded, whatever a proxy passed on.
  return (address ?? 'unknown').slice(0, 64);
}

function incomingOf(c: Context): IncomingMessage | null {
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  return incoming?.socket ? incoming : null;
}
