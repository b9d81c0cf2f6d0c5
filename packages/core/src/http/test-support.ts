/**
 * Test helper for the http and ingress tests: one HTTP/1.1 request over a raw TCP socket, its body written at a
 * chosen pace, so tests see what a server answers to a slow or early-rejected body, and when.
 */
import { connect } from 'node:net';

export interface RawPostOptions {
  headers: Record<string, string>;
  body: Uint8Array;
  /** Bytes written with the headers (default 0). */
  firstBytes?: number;
  /** Then this many bytes every `intervalMs` (defaults 1 byte, 100 ms). */
  chunkBytes?: number;
  intervalMs?: number;
  /** Give up (destroy the socket) after this long; default 10 s. */
  timeoutMs?: number;
}

export interface RawExchange {
  /** 0 when nothing was answered. */
  status: number;
  /** Lower-cased response header names. */
  headers: Record<string, string>;
  body: string;
  /** Body bytes written before the first byte of the answer arrived. */
  bodyBytesSent: number;
  /** The body was written in full before the answer. */
  complete: boolean;
  /** The server closed the connection (within `timeoutMs`). */
  closedByServer: boolean;
  /** From the first byte written to the answer's first byte (or to giving up). */
  answeredAfterMs: number;
}

/** Sends one POST to `url` pacing its body; stops writing once an answer arrives, like a client reading early. */
export function rawPost(url: string, options: RawPostOptions): Promise<RawExchange> {
  const { hostname, port, pathname } = new URL(url);
  const head = [
    `POST ${pathname} HTTP/1.1`,
    `host: ${hostname}:${port}`,
    ...Object.entries(options.headers).map(([k, v]) => `${k}: ${v}`),
  ];
  const { body, chunkBytes = 1, intervalMs = 100, timeoutMs = 10_000 } = options;
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    const started = performance.now();
    let sent = 0;
    let response = '';
    let answeredAt: number | null = null;
    let sentWhenAnswered = 0;
    let closedByServer = false;
    const write = (bytes: number) => {
      const end = Math.min(body.length, sent + bytes);
      if (end > sent && !socket.destroyed) socket.write(body.subarray(sent, end));
      sent = end;
    };
    let ticker: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('connect', () => {
      socket.write(`${head.join('\r\n')}\r\n\r\n`);
      write(options.firstBytes ?? 0);
      // Started once connected: a write queued before the head would go out first.
      ticker = setInterval(
        () => (answeredAt === null && sent < body.length ? write(chunkBytes) : clearInterval(ticker)),
        intervalMs,
      );
    });
    socket.on('data', (data) => {
      if (answeredAt === null) {
        answeredAt = performance.now();
        sentWhenAnswered = sent;
      }
      response += data.toString('latin1');
      // A complete answer on a connection kept alive: give the server a moment to close it, then hang up.
      if (answerComplete(response)) setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
    });
    socket.on('end', () => (closedByServer = true));
    socket.on('error', () => undefined); // a reset after an early answer is expected
    socket.on('close', () => {
      clearInterval(ticker);
      clearTimeout(giveUp);
      resolve(
        parseExchange(response, {
          bodyBytesSent: answeredAt === null ? sent : sentWhenAnswered,
          complete: (answeredAt === null ? sent : sentWhenAnswered) >= body.length,
          closedByServer,
          answeredAfterMs: (answeredAt ?? performance.now()) - started,
        }),
      );
    });
  });
}

/** How long after a complete answer the server may take to close the connection for `closedByServer`. */
const CLOSE_GRACE_MS = 300;

function answerComplete(response: string): boolean {
  const split = response.indexOf('\r\n\r\n');
  const length = /\r\ncontent-length: *(\d+)/i.exec(response.slice(0, split))?.[1];
  return split >= 0 && length !== undefined && Buffer.byteLength(response.slice(split + 4), 'latin1') >= Number(length);
}

function parseExchange(response: string, facts: Omit<RawExchange, 'status' | 'headers' | 'body'>): RawExchange {
  const split = response.indexOf('\r\n\r\n');
  const lines = (split < 0 ? response : response.slice(0, split)).split('\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status, headers, body: split < 0 ? '' : response.slice(split + 4), ...facts };
}
