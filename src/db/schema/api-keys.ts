import { sql } from 'drizzle-orm';
import { boolean, check, customType, index, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { partners } from './partners.ts';

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    /** HMAC-SHA256(pepper, secret). The secret itself is never stored. */
    secretDigest: bytea('secret_digest').notNull(),
    hint: text('hint').notNull(),
    description: text('description').notNull(),
    apiType: text('api_type').notNull(),
    partnerId: text('partner_id').references(() => partners.id, { onDelete: 'restrict' }),
    status: text('status', { enum: ['active', 'revoked'] })
      .notNull()
      .default('active'),
    legacy: boolean('legacy').notNull().default(false),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    revokedBy: text('revoked_by'),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokeReason: text('revoke_reason'),
    revokeAt: timestamp('revoke_at', { withTimezone: true }),
    replacedBy: text('replaced_by'),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    /** The key stops working at this instant (`/authz` answers 401 expired from then on); null: no expiry. */
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    /** IPv4/IPv6 CIDRs the key may be used from, in canonical form; empty: from anywhere. */
    allowedNetworks: text('allowed_networks').array().notNull().default(sql`'{}'::text[]`),
    version: integer('version').notNull().default(1),
    /** 'key': an API key used as is; 'oauth_client': a Harvest v3 client whose secret is exchanged at /oauth/token. */
    kind: text('kind', { enum: ['key', 'oauth_client'] })
      .notNull()
      .default('key'),
    /**
     * A client's public id (`hkc_…`), shown everywhere; null for keys. Not unique: a replacement carries its
     * predecessor's id, so both secrets authenticate the same client during the grace period.
     */
    clientId: text('client_id'),
  },
  (table) => [
    uniqueIndex('api_keys_secret_digest_key').on(table.secretDigest),
    index('api_keys_partner_id_idx').on(table.partnerId),
    // Rows and `show` name a key's predecessor ("Replaces …"): looked up by replaced_by on every list.
    index('api_keys_replaced_by_idx').on(table.replacedBy),
    check('api_keys_status_check', sql`${table.status} in ('active', 'revoked')`),
    check('api_keys_kind_check', sql`${table.kind} in ('key', 'oauth_client')`),
    check('api_keys_client_id_check', sql`(${table.kind} = 'oauth_client') = (${table.clientId} is not null)`),
    index('api_keys_client_id_idx').on(table.clientId),
  ],
);
