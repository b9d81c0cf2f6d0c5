import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

export interface SecurityHeaderOptions {
  /** `style-src` (default `'self'`; pages with a `<style>` element need `'unsafe-inline'`). */
  styleSrc?: string[];
  /** `img-src` (default `'self'`). */
  imgSrc?: string[];
  /** `frame-src` (default none: no frames). */
  frameSrc?: string[];
  /** Cross-Origin-Resource-Policy (default `same-origin`; an avatar or image service answers `cross-origin`). */
  crossOriginResourcePolicy?: 'same-origin' | 'same-site' | 'cross-origin';
}

/**
 * hono/secure-headers with a strict Content-Security-Policy: nothing loads but the listed styles and images from
 * our origin, no script at all, forms post only to us, no framing, no `<base>`; plus nosniff, no referrer to
 * other origins, HSTS and frame denial.
 */
export function securityHeaders(options: SecurityHeaderOptions = {}): MiddlewareHandler {
  return secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      styleSrc: options.styleSrc ?? ["'self'"],
      imgSrc: options.imgSrc ?? ["'self'"],
      ...(options.frameSrc ? { frameSrc: options.frameSrc } : {}),
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
    },
    referrerPolicy: 'strict-origin-when-cross-origin',
    crossOriginResourcePolicy: options.crossOriginResourcePolicy ?? 'same-origin',
    xFrameOptions: 'DENY',
  });
}
