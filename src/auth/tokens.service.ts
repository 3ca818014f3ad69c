// API tokens: create (the secret is shown once), list, get, revoke, and the check
// every request goes through. A token's row is cached for at most
// TOKEN_CACHE_TTL_MS, so a revocation on any node takes effect on every node
// within a second (nodes share Postgres; nothing else needs to be told).

import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/config';
import { Errors } from '../common/errors';
import { isUniqueViolation } from '../database/insert-unique';
import { ApiToken, ApiTokensRepository, RateLimitSetting } from './api-tokens.repository';
import { Scope, TokenResources } from './scopes';
import { generateTokenSecret, hashTokenSecret, sameHash, tokenHint } from './token-secret';

/** How stale a cached token may be: bounds how long a revoked token still passes. */
export const TOKEN_CACHE_TTL_MS = 500;
/** Distinct tokens cached per node; the oldest go first. */
export const TOKEN_CACHE_ENTRIES_MAX = 10_000;

export interface CreateTokenInput {
  name: string;
  scopes: Scope[];
  expiresAt: Date | null;
  resources: TokenResources | null;
  rateLimit: RateLimitSetting | null;
}

interface CacheEntry {
  found: { token: ApiToken; secretSha256: Buffer } | null;
  fetchedAtMs: number;
}

@Injectable()
export class TokensService implements OnModuleInit {
  private readonly logger = new Logger('Tokens');
  private readonly repo: ApiTokensRepository;
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    dataSource: DataSource,
  ) {
    this.repo = new ApiTokensRepository(dataSource);
  }

  async onModuleInit(): Promise<void> {
    await this.ensureAdminToken();
  }

  /**
   * The admin token: INTAKE_ADMIN_TOKEN when set; otherwise one generated at the
   * first start (or with INTAKE_ROTATE_ADMIN_TOKEN=1), printed once, stored hashed.
   */
  private async ensureAdminToken(): Promise<void> {
    const configured = this.config.adminToken;
    if (configured !== null) {
      const found = await this.repo.bySecretHash(hashTokenSecret(configured));
      if (found?.token.isAdmin && !found.token.revokedAt) return;
      await this.storeAdmin(configured).catch((err) => this.tolerateConcurrentStart(err));
      return;
    }
    if (!this.config.rotateAdminToken && (await this.repo.liveAdmin())) return;
    const secret = generateTokenSecret();
    try {
      await this.storeAdmin(secret);
    } catch (err) {
      return this.tolerateConcurrentStart(err);
    }
    // Printed on purpose, once: the only time this secret is ever shown.
    console.log(
      [
        '',
        'Intake admin token (shown once; it is stored hashed, set INTAKE_ROTATE_ADMIN_TOKEN=1 to replace it):',
        `  ${secret}`,
        `Use it as:  curl -H 'Authorization: Bearer ${secret}' http://${this.config.host}:${this.config.port}/vectordb/collections`,
        '',
      ].join('\n'),
    );
  }

  private storeAdmin(secret: string): Promise<ApiToken> {
    return this.repo.replaceAdmin({
      id: randomUUID(),
      name: 'admin',
      secretSha256: hashTokenSecret(secret),
      hint: tokenHint(secret),
      scopes: ['admin'],
      resources: null,
      rateLimit: null,
      isAdmin: true,
      expiresAt: null,
    });
  }

  /** Two nodes starting together both try to store an admin token; one wins, the other uses it. */
  private tolerateConcurrentStart(err: unknown): void {
    if (isUniqueViolation(err)) return;
    throw err;
  }

  async create(input: CreateTokenInput): Promise<{ token: ApiToken; secret: string }> {
    const secret = generateTokenSecret();
    const token = await this.repo.insert({
      id: randomUUID(),
      name: input.name,
      secretSha256: hashTokenSecret(secret),
      hint: tokenHint(secret),
      scopes: input.scopes,
      resources: input.resources,
      rateLimit: input.rateLimit,
      isAdmin: false,
      expiresAt: input.expiresAt,
    });
    return { token, secret };
  }

  list(): Promise<ApiToken[]> {
    return this.repo.list();
  }

  async get(id: string): Promise<ApiToken> {
    const token = await this.repo.get(id);
    if (!token) throw Errors.notFound('token', id);
    return token;
  }

  async revoke(id: string): Promise<void> {
    const token = await this.get(id);
    if (token.isAdmin) throw Errors.invalidState('the admin token is replaced with INTAKE_ROTATE_ADMIN_TOKEN=1 or INTAKE_ADMIN_TOKEN, not revoked', { id });
    await this.repo.revoke(id);
    // This node refuses it at once; other nodes within TOKEN_CACHE_TTL_MS.
    for (const [secret, entry] of this.cache) if (entry.found?.token.id === id) this.cache.delete(secret);
  }

  /**
   * The live token with this secret from the cache, without waiting, when the cached
   * row is fresh; undefined when the row must be read (call authenticate then).
   * Throws the 401 for a fresh cached row that is unknown, revoked or expired.
   */
  authenticateCached(secret: string, nowMs = Date.now()): ApiToken | undefined {
    const entry = this.cache.get(secret);
    if (!entry || nowMs - entry.fetchedAtMs > TOKEN_CACHE_TTL_MS) return undefined;
    return liveToken(entry, nowMs);
  }

  /** The live token with this secret, or a 401 saying why not (never which part of the secret was wrong). */
  async authenticate(secret: string, nowMs = Date.now()): Promise<ApiToken> {
    // Keyed by the secret itself (memory only), so a cached token costs no hashing; the
    // hash is computed, and compared in constant time, when the row is (re)read.
    let entry = this.cache.get(secret);
    if (!entry || nowMs - entry.fetchedAtMs > TOKEN_CACHE_TTL_MS) {
      const hash = hashTokenSecret(secret);
      const found = await this.repo.bySecretHash(hash);
      entry = { found: found && sameHash(found.secretSha256, hash) ? found : null, fetchedAtMs: nowMs };
      this.cache.delete(secret);
      this.cache.set(secret, entry);
      if (this.cache.size > TOKEN_CACHE_ENTRIES_MAX) this.cache.delete(this.cache.keys().next().value as string);
    }
    return liveToken(entry, nowMs);
  }
}

function liveToken(entry: CacheEntry, nowMs: number): ApiToken {
  const found = entry.found;
  if (!found) throw Errors.unauthorized('the bearer token is unknown');
  if (found.token.revokedAt) throw Errors.unauthorized('the bearer token was revoked');
  if (found.token.expiresAt && found.token.expiresAt.getTime() <= nowMs) throw Errors.unauthorized('the bearer token has expired');
  return found.token;
}

/** A token as the API shows it: never the secret, nor its hash. */
export function tokenView(t: ApiToken) {
  return {
    id: t.id,
    name: t.name,
    hint: t.hint,
    scopes: t.scopes,
    resources: t.resources,
    rate_limit: t.rateLimit,
    admin: t.isAdmin,
    expires_at: t.expiresAt?.toISOString() ?? null,
    revoked_at: t.revokedAt?.toISOString() ?? null,
    created_at: t.createdAt.toISOString(),
  };
}
