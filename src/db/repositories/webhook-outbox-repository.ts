import { sql } from 'drizzle-orm';
import type { ClaimedMessage, OutboxStats, WebhookOutbox, WebhookOutboxWriter } from '../../webhooks/types.ts';
import type { Database } from '../client.ts';

/** Last errors are the sender's short reasons; the cap only guards the column against a surprise. */
const ERROR_CHARS = 500;

const pending = sql`delivered_at is null and dead_at is null`;

/** The writer a change's transaction uses: inserts only, in multi-row statements for an import's thousands. */
export function createWebhookOutboxWriter(db: Database): WebhookOutboxWriter {
  return {
    async enqueue(messages) {
      for (let i = 0; i < messages.length; i += 5_000) {
        const rows = messages.slice(i, i + 5_000).map((m) => ({
          message_id: m.messageId,
          event_type: m.type,
          ordering_key: m.orderingKey,
          body: m.body,
          created_at: m.createdAt.toISOString(),
        }));
        await db.execute(sql`
          -- In the order given: ids are the sending order of each subject's events.
          insert into webhook_outbox (message_id, event_type, ordering_key, body, created_at, next_attempt_at)
          select message_id, event_type, ordering_key, body, created_at, created_at
            from rows from (json_to_recordset(${JSON.stringify(rows)}::json)
                   as (message_id text, event_type text, ordering_key text, body text, created_at timestamptz))
                 with ordinality as t(message_id, event_type, ordering_key, body, created_at, n)
           order by n`);
      }
    },
  };
}

export function createWebhookOutbox(db: Database): WebhookOutbox {
  return {
    async claim({ now, leaseUntil, limit }) {
      // A message is due when no earlier message of its subject is still pending (in flight, or failing and
      // waiting for its retry): that is what keeps each key's events in order. SKIP LOCKED leaves messages another
      // instance is claiming to it; the lease then keeps them its own until it reports the outcome.
      const rows = await db.execute<{
        id: string;
        message_id: string;
        body: string;
        attempts: number;
        created_at: string;
      }>(sql`
        with due as (
          select o.id from webhook_outbox o
           where o.delivered_at is null and o.dead_at is null and o.next_attempt_at <= ${now.toISOString()}
             and not exists (
               select 1 from webhook_outbox earlier
                where earlier.ordering_key = o.ordering_key and earlier.id < o.id
                  and earlier.delivered_at is null and earlier.dead_at is null)
           order by o.id
           limit ${limit}
           for update skip locked)
        update webhook_outbox w
           set attempts = w.attempts + 1, next_attempt_at = ${leaseUntil.toISOString()}
          from due
         where w.id = due.id
        returning w.id, w.message_id, w.body, w.attempts, w.created_at`);
      return rows
        .map(
          (row): ClaimedMessage => ({
            id: Number(row.id),
            messageId: row.message_id,
            body: row.body,
            attempts: row.attempts,
            createdAt: new Date(row.created_at),
          }),
        )
        .sort((a, b) => a.id - b.id);
    },
    async delivered(message, at) {
      await db.execute(sql`
        update webhook_outbox set delivered_at = ${at.toISOString()}, last_error = null
         where id = ${message.id} and delivered_at is null`);
    },
    async retryAt(message, at, error) {
      // Only while this attempt's lease is the latest: a stale report never pushes back a message sent since.
      await db.execute(sql`
        update webhook_outbox set next_attempt_at = ${at.toISOString()}, last_error = ${error.slice(0, ERROR_CHARS)}
         where id = ${message.id} and attempts = ${message.attempts} and ${pending}`);
    },
    async dead(message, at, error) {
      await db.execute(sql`
        update webhook_outbox set dead_at = ${at.toISOString()}, last_error = ${error.slice(0, ERROR_CHARS)}
         where id = ${message.id} and attempts = ${message.attempts} and ${pending}`);
    },
    async stats(now): Promise<OutboxStats> {
      const [row] = await db.execute<{ pending: string; oldest: string | null; dead: string }>(sql`
        select count(*) filter (where ${pending}) as pending,
               min(created_at) filter (where ${pending}) as oldest,
               count(*) filter (where dead_at is not null) as dead
          from webhook_outbox`);
      const oldest = row?.oldest == null ? undefined : new Date(row.oldest);
      return {
        pending: Number(row?.pending ?? 0),
        oldestPendingSeconds: oldest === undefined ? 0 : Math.max(0, (now.getTime() - oldest.getTime()) / 1000),
        dead: Number(row?.dead ?? 0),
      };
    },
    async prune(before) {
      const rows = await db.execute(sql`
        delete from webhook_outbox where delivered_at < ${before.toISOString()} returning id`);
      return rows.length;
    },
  };
}
