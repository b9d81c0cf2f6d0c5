/**
 * The raw source view: a stored Inbound Parse post as readable text. Every form field in the charset SendGrid
 * declared for it (`charsets`), the raw-mode `email` field walked MIME part by MIME part (headers as UTF-8, 8-bit
 * bodies in their part's charset), and binary content (files, image/… and application/… parts) as a size and hex
 * summary, never dumped as text.
 *
 * @example
 * ```ts
 * const { segments } = await rawSourceOf(post.body, post.contentType);
 * for (const s of segments) console.log(s.kind === 'binary' ? `[${s.label}: ${s.size} bytes ${s.hex}]` : s.text);
 * ```
 */
export { rawSourceOf, type RawSource } from './raw-source.js';
