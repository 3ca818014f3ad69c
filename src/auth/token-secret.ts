// API token secrets: `intake_` + 43 base62 characters (256 random bits), so a token
// is recognisable in a config file or a leaked log (secret scanners match the
// prefix) and is never guessable. Only a SHA-256 of the secret is stored: with 256
// random bits a slow password hash adds nothing, and a lookup by hash needs no scan.
// Comparisons of secrets go through timingSafeEqual.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const TOKEN_PREFIX = 'intake_';
const SECRET_CHARS = 43;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const TOKEN_PATTERN = new RegExp(`^${TOKEN_PREFIX}[0-9A-Za-z]{${SECRET_CHARS}}$`);

export function generateTokenSecret(): string {
  // Rejection sampling keeps every base62 character equally likely.
  let out = TOKEN_PREFIX;
  while (out.length < TOKEN_PREFIX.length + SECRET_CHARS) {
    for (const byte of randomBytes(64)) {
      if (byte < 248 && out.length < TOKEN_PREFIX.length + SECRET_CHARS) out += BASE62[byte % 62];
    }
  }
  return out;
}

export function isWellFormedToken(secret: string): boolean {
  return TOKEN_PATTERN.test(secret);
}

export function hashTokenSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

export function sameHash(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The part of a token that may be shown (lists, logs): the prefix and 4 characters. */
export function tokenHint(secret: string): string {
  return `${secret.slice(0, TOKEN_PREFIX.length + 4)}…`;
}

/** The secret of an `Authorization: Bearer <secret>` header, or why there is none. */
export function bearerSecret(header: string | string[] | undefined): { secret: string } | { problem: string } {
  if (header === undefined || header === '') return { problem: 'the Authorization header is missing' };
  if (Array.isArray(header)) return { problem: 'more than one Authorization header' };
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  if (!match) return { problem: 'the Authorization header is not "Bearer <token>"' };
  // Generated tokens are `intake_…`; an admin token set through INTAKE_ADMIN_TOKEN may be any 32–256 printable characters.
  if (!/^[\x21-\x7e]{32,256}$/.test(match[1])) return { problem: 'the bearer token is malformed' };
  return { secret: match[1] };
}
