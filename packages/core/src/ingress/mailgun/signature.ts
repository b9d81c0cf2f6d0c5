import { createHmac, timingSafeEqual } from 'node:crypto';
import { IngressError } from '../errors.js';

export interface SignedFields {
  timestamp: number;
  token: string;
}

const TIMESTAMP = /^\d{1,12}$/;
const TOKEN = /^[\x21-\x7e]{1,256}$/;
const SIGNATURE = /^[0-9a-f]{64}$/i;

/**
 * Mailgun's signature over a post: hex HMAC-SHA256 of `timestamp + token` under any of `keys`, every key compared
 * in constant time; then the timestamp within `maxSkewSeconds` of now. Moving digits between the timestamp and the
 * token keeps the signature but multiplies or divides the timestamp by ten, which the window refuses.
 */
export function verifyMailgunSignature(
  fields: Map<string, Buffer>,
  keys: readonly Buffer[],
  maxSkewSeconds: number,
  nowMs: number,
): SignedFields {
  const [timestamp, token, signature] = ['timestamp', 'token', 'signature'].map((name) =>
    fields.get(name)?.toString('latin1'),
  );
  const missing = ['timestamp', 'token', 'signature'].filter((_, index) => ![timestamp, token, signature][index]);
  if (missing.length > 0) {
    throw new IngressError(401, 'signature_missing', `unsigned post: no ${missing.join(', ')} field`);
  }
  if (!TIMESTAMP.test(timestamp!)) throw new IngressError(401, 'timestamp_invalid', 'timestamp is not Unix seconds');
  if (!TOKEN.test(token!)) throw new IngressError(401, 'token_invalid', 'token is not 1 to 256 printable characters');
  const given = SIGNATURE.test(signature!) ? Buffer.from(signature!, 'hex') : null;
  let matched = false;
  for (const key of keys) {
    const expected = createHmac('sha256', key).update(`${timestamp}${token}`, 'latin1').digest();
    if (given && timingSafeEqual(expected, given)) matched = true;
  }
  if (!matched) {
    throw new IngressError(403, 'signature_invalid', 'signature does not match under any configured signing key');
  }
  const skew = nowMs / 1000 - Number(timestamp);
  if (Math.abs(skew) > maxSkewSeconds) {
    const where = skew > 0 ? `${Math.round(skew)} s old` : `${Math.round(-skew)} s in the future`;
    throw new IngressError(
      401,
      'timestamp_stale',
      `the signed timestamp is ${where}; the window is ${maxSkewSeconds} s`,
    );
  }
  return { timestamp: Number(timestamp), token: token! };
}
