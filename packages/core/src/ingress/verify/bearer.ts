/** The token of `Authorization: Bearer <token>` (RFC 6750 token68 syntax), or null. */
export function parseBearerAuthorization(authorization: string | null): string | null {
  const match = /^bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)[ \t]*$/i.exec(authorization ?? '');
  return match ? match[1]! : null;
}
