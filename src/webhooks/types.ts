import type { WebhookMessage } from './events.ts';

/** The part of the outbox a change's transaction uses: it only inserts, so delivery never delays the change. */
export interface WebhookOutboxWriter {
  enqueue(messages: readonly WebhookMessage[]): Promise<void>;
}

/** A message this instance holds the lease of; `attempts` already counts the attempt about to be made. */
export interface ClaimedMessage {
  id: number;
  messageId: string;
  body: string;
  attempts: number;
  createdAt: Date;
}

export interface OutboxStats {
  pending: number;
  /** Age of the oldest message not yet delivered (0 when none is pending). */
  oldestPendingSeconds: number;
  dead: number;
}

/** The deliverer's side of the outbox. Every outcome names the attempt, so a stale lease changes nothing. */
export interface WebhookOutbox {
  /**
   * Leases up to `limit` due messages until `leaseUntil`, each the oldest pending one of its ordering key, skipping
   * those another instance holds (FOR UPDATE SKIP LOCKED).
   */
  claim(input: { now: Date; leaseUntil: Date; limit: number }): Promise<ClaimedMessage[]>;
  delivered(message: ClaimedMessage, at: Date): Promise<void>;
  retryAt(message: ClaimedMessage, at: Date, error: string): Promise<void>;
  dead(message: ClaimedMessage, at: Date, error: string): Promise<void>;
  stats(now: Date): Promise<OutboxStats>;
  /** Deletes delivered messages older than `before`; returns how many. */
  prune(before: Date): Promise<number>;
}

export type SendResult = { ok: true } | { ok: false; reason: string };

export interface WebhookSender {
  send(message: { messageId: string; body: string }): Promise<SendResult>;
}
