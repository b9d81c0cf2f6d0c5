// The posts every benchmark case uses, built with Mailroom's own testing kit (deterministic bytes).
import { randomBytes } from 'node:crypto';
import { buildInboundPost } from '@mailroom/core/testing';

function pseudoRandom(size, seed) {
  // Deterministic incompressible-looking bytes without depending on crypto randomness per run.
  const out = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const paragraph = 'Thanks for the quick answer. The attached report covers the last quarter; see section 3.\n';

export const CASES = {
  'parsed-10k': {
    label: '10 KB parsed-mode post',
    build: () =>
      buildInboundPost({
        mode: 'parsed',
        subject: 'Re: quarterly numbers',
        text: paragraph.repeat(60),
        html: `<div>${paragraph.repeat(45)}</div>`,
      }),
  },
  'attachments-2m': {
    label: '2 MB parsed post, 5 attachments',
    build: () =>
      buildInboundPost({
        mode: 'parsed',
        subject: 'Photos from the trip',
        text: paragraph.repeat(10),
        attachments: [0, 1, 2, 3, 4].map((i) => ({
          filename: `photo-${i}.jpg`,
          contentType: 'image/jpeg',
          content: pseudoRandom(400 * 1024, i + 1),
        })),
      }),
  },
  'raw-30m': {
    label: '30 MB raw post',
    build: () =>
      buildInboundPost({
        mode: 'raw',
        subject: 'The full archive',
        text: paragraph.repeat(20),
        // 22 MB of attachment → ~30 MB once base64-encoded inside the MIME message.
        attachments: [
          {
            filename: 'archive.bin',
            contentType: 'application/octet-stream',
            content: pseudoRandom(22 * 1024 * 1024, 7),
          },
        ],
      }),
  },
};

export { randomBytes };
