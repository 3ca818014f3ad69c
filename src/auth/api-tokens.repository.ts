// The api_tokens table (migrations/1764600200000-ApiTokens.ts).
import { DataSource } from 'typeorm';
import type { Scope, TokenResources } from './scopes';

export interface RateLimitSetting {
  requests_per_second?: number;
  bytes_per_second?: number;
}

export interface ApiToken {
  id: string;
  name: string;
  hint: string;
  scopes: Scope[];
  resources: TokenResources | null;
  rateLimit: RateLimitSetting | null;
  isAdmin: boolean;
  expiresAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

export interface NewApiToken {
  id: string;
  name: string;
  secretSha256: Buffer;
  hint: string;
  scopes: Scope[];
  resources: TokenResources | null;
  rateLimit: RateLimitSetting | null;
  isAdmin: boolean;
  expiresAt: Date | null;
}

const COLUMNS = `id, name, hint, scopes, resources, rate_limit, is_admin, expires_at, revoked_at, created_at`;

interface Row {
  id: string;
  name: string;
  hint: string;
  scopes: Scope[];
  resources: TokenResources | null;
  rate_limit: RateLimitSetting | null;
  is_admin: boolean;
  expires_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
}

function toToken(r: Row): ApiToken {
  return {
    id: r.id,
    name: r.name,
    hint: r.hint,
    scopes: r.scopes,
    resources: r.resources,
    rateLimit: r.rate_limit,
    isAdmin: r.is_admin,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    createdAt: r.created_at,
  };
}

export class ApiTokensRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(t: NewApiToken): Promise<ApiToken> {
    const [row] = await this.dataSource.query(
      `INSERT INTO api_tokens (id, name, secret_sha256, hint, scopes, resources, rate_limit, is_admin, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
      [t.id, t.name, t.secretSha256, t.hint, t.scopes, t.resources && JSON.stringify(t.resources), t.rateLimit && JSON.stringify(t.rateLimit), t.isAdmin, t.expiresAt],
    );
    return toToken(row);
  }

  /** The token with this secret hash, with the hash itself for a constant-time check. */
  async bySecretHash(hash: Buffer): Promise<{ token: ApiToken; secretSha256: Buffer } | null> {
    const [row] = await this.dataSource.query(`SELECT ${COLUMNS}, secret_sha256 FROM api_tokens WHERE secret_sha256 = $1`, [hash]);
    return row ? { token: toToken(row), secretSha256: row.secret_sha256 } : null;
  }

  async get(id: string): Promise<ApiToken | null> {
    const [row] = await this.dataSource.query(`SELECT ${COLUMNS} FROM api_tokens WHERE id = $1`, [id]);
    return row ? toToken(row) : null;
  }

  async list(): Promise<ApiToken[]> {
    const rows: Row[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM api_tokens ORDER BY created_at, id`);
    return rows.map(toToken);
  }

  /** True when a live token was revoked now. */
  async revoke(id: string): Promise<boolean> {
    const rows = await this.dataSource.query(`UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id`, [id]);
    return (Array.isArray(rows[0]) ? rows[0] : rows).length > 0;
  }

  async liveAdmin(): Promise<ApiToken | null> {
    const [row] = await this.dataSource.query(`SELECT ${COLUMNS} FROM api_tokens WHERE is_admin AND revoked_at IS NULL`);
    return row ? toToken(row) : null;
  }

  /** Revokes the live admin token (if any) and stores the new one, atomically. */
  async replaceAdmin(t: NewApiToken): Promise<ApiToken> {
    return this.dataSource.transaction(async (tx) => {
      await tx.query(`UPDATE api_tokens SET revoked_at = now() WHERE is_admin AND revoked_at IS NULL`);
      const [row] = await tx.query(
        `INSERT INTO api_tokens (id, name, secret_sha256, hint, scopes, resources, rate_limit, is_admin, expires_at)
         VALUES ($1, $2, $3, $4, $5, NULL, NULL, true, NULL) RETURNING ${COLUMNS}`,
        [t.id, t.name, t.secretSha256, t.hint, t.scopes],
      );
      return toToken(row);
    });
  }
}
