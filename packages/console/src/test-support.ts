/** Posts for the console's tests: real multipart bytes with 8-bit bodies in declared charsets and a binary part. */
import {
  SENDGRID_BOUNDARY,
  inboundFormParts,
  multipartBody,
  multipartContentType,
  type BuiltPost,
} from '@mailroom/core/testing';

/** 600 bytes that start like a JPEG (SOI, APP0 "JFIF"), then every byte value. */
export const JPEG = Buffer.concat([
  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]),
  Buffer.from(Array.from({ length: 589 }, (_, i) => i % 256)),
]);

/**
 * A raw-mode post: a UTF-8 Subject (RFC 6532), a text part in ISO-8859-1 sent 8bit ("Grüße aus Köln" as latin1
 * bytes), an HTML part in UTF-8 with things the sanitizer must drop, and a base64 JPEG attachment.
 */
export function grusseRawPost(): BuiltPost {
  const boundary = 'part-boundary-42';
  const mime = Buffer.concat([
    Buffer.from(
      [
        'From: Jürgen <juergen@example.test>',
        'To: support@example.test',
        'Subject: Grüße',
        'Date: Thu, 03 Dec 2026 10:00:00 +0000',
        'Message-ID: <grusse-1@example.test>',
        'MIME-Version: 1.0',
        `Content-Type: multipart/mixed; boundary="${boundary}"`,
        '',
        `--${boundary}`,
        'Content-Type: text/plain; charset=iso-8859-1',
        'Content-Transfer-Encoding: 8bit',
        '',
        '',
      ].join('\r\n'),
      'utf8',
    ),
    Buffer.from('Grüße aus Köln\r\n', 'latin1'),
    Buffer.from(
      [
        `--${boundary}`,
        'Content-Type: text/html; charset=utf-8',
        'Content-Transfer-Encoding: 8bit',
        '',
        '<p><b>Grüße</b></p><script>alert(1)</script><img src="x" onerror="alert(2)"><a href="javascript:alert(3)">x</a>',
        `--${boundary}`,
        'Content-Type: image/jpeg; name="photo.jpg"',
        'Content-Disposition: attachment; filename="photo.jpg"',
        'Content-Transfer-Encoding: base64',
        '',
        JPEG.toString('base64').replace(/.{76}/g, '$&\r\n'),
        `--${boundary}--`,
        '',
      ].join('\r\n'),
      'utf8',
    ),
  ]);
  const parts = inboundFormParts({ mode: 'raw', from: 'juergen@example.test', to: 'support@example.test' }).map(
    (part) => (part.name === 'email' ? { ...part, value: mime } : part),
  );
  const contentType = multipartContentType(SENDGRID_BOUNDARY);
  const body = multipartBody(parts);
  return { body, contentType, headers: { 'content-type': contentType, 'content-length': String(body.length) } };
}
