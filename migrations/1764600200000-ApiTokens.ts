// API tokens (src/auth/): only a SHA-256 of each secret is stored. A revoked token
// keeps its row (revoked_at) so lists and audits still show it.

import { MigrationInterface, QueryRunner } from 'typeorm';

export class ApiTokens1764600200000 implements MigrationInterface {
  name = 'ApiTokens1764600200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
        secret_sha256 bytea NOT NULL UNIQUE CHECK (length(secret_sha256) = 32),
        hint text NOT NULL,
        scopes text[] NOT NULL,
        resources jsonb,
        rate_limit jsonb,
        is_admin boolean NOT NULL DEFAULT false,
        expires_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // At most one live admin token: rotation revokes the old one in the same transaction.
    await q.query(`CREATE UNIQUE INDEX api_tokens_one_admin ON api_tokens (is_admin) WHERE is_admin AND revoked_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE api_tokens`);
  }
}
