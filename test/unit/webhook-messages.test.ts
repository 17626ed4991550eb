import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AuditEventInput, AuditRepository } from '../../src/audit/types.ts';
import { withWebhookEvents } from '../../src/webhooks/audit-events.ts';
import { WEBHOOK_TYPES, type WebhookMessage, webhookMessageOf } from '../../src/webhooks/events.ts';
import { parseWebhookSecret, signWebhook, webhookHeaders } from '../../src/webhooks/signature.ts';

const at = new Date('2026-12-01T10:00:00.000Z');

describe('Standard Webhooks signature', () => {
  it("matches the specification's reference libraries on their own test vector", () => {
    const key = parseWebhookSecret('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw') as Buffer;
    expect(signWebhook(key, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('signs "id.timestamp.body" with the decoded secret, the timestamp in whole seconds of the attempt', () => {
    const key = Buffer.alloc(32, 9);
    const headers = webhookHeaders(key, 'msg_1', new Date('2026-12-01T10:00:00.999Z'), '{"a":1}');
    const expected = createHmac('sha256', key).update(`msg_1.${Date.UTC(2026, 11, 1, 10) / 1000}.{"a":1}`);
    expect(headers).toEqual({
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(Date.UTC(2026, 11, 1, 10) / 1000),
      'webhook-signature': `v1,${expected.digest('base64')}`,
    });
  });

  it('takes only whsec_ and the base64 of 24 to 64 bytes', () => {
    expect(parseWebhookSecret(`whsec_${Buffer.alloc(24, 1).toString('base64')}`)).toEqual(Buffer.alloc(24, 1));
    expect(parseWebhookSecret(Buffer.alloc(32, 1).toString('base64'))).toBeUndefined();
    expect(parseWebhookSecret(`whsec_${Buffer.alloc(23, 1).toString('base64')}`)).toBeUndefined();
    expect(parseWebhookSecret('whsec_abc$def')).toBeUndefined();
  });
});

describe('webhook messages', () => {
  const revoked: AuditEventInput = {
    actor: 'U0ADMIN001',
    action: 'key.revoked',
    keyId: 'key_abc',
    partnerId: 'ptn_xyz',
    before: { status: 'active' },
    after: { status: 'revoked' },
    details: { reason: 'leaked' },
  };

  it('carries {type, timestamp, data} with the audit summaries', () => {
    const message = webhookMessageOf(revoked, at) as WebhookMessage;
    expect(JSON.parse(message.body)).toEqual({
      type: 'key.revoked',
      timestamp: '2026-12-01T10:00:00.000Z',
      data: {
        actor: 'U0ADMIN001',
        keyId: 'key_abc',
        partnerId: 'ptn_xyz',
        before: { status: 'active' },
        after: { status: 'revoked' },
        details: { reason: 'leaked' },
      },
    });
    expect(message).toMatchObject({ type: 'key.revoked', orderingKey: 'key:key_abc', createdAt: at });
    expect(message.messageId).toMatch(/^msg_[0-9A-Za-z]{24}$/);
    expect(webhookMessageOf(revoked, at)?.messageId).not.toBe(message.messageId);
  });

  it('names edits "updated", sends every key, partner and approval action, and no role change', () => {
    expect(WEBHOOK_TYPES['partner.edited']).toBe('partner.updated');
    expect(WEBHOOK_TYPES['key.edited']).toBe('key.updated');
    for (const [action, type] of Object.entries(WEBHOOK_TYPES)) {
      if (action.startsWith('role.')) expect(type).toBeNull();
      else expect(type?.split('.')[0]).toBe(action.split('.')[0]);
    }
    expect(webhookMessageOf({ actor: 'U0ADMIN001', action: 'role.granted', details: {} }, at)).toBeUndefined();
  });

  it('orders by key, else partner, else approval request', () => {
    const partner = webhookMessageOf({ actor: 'a', action: 'partner.created', partnerId: 'ptn_1' }, at);
    const request = webhookMessageOf(
      { actor: 'a', action: 'approval.requested', details: { requestId: 'apr_1', action: 'create' } },
      at,
    );
    expect([partner?.orderingKey, request?.orderingKey]).toEqual(['partner:ptn_1', 'approval:apr_1']);
  });

  it('are written next to the audit rows, through the same repositories, one per event that is sent', async () => {
    const written: string[] = [];
    const enqueued: WebhookMessage[] = [];
    const audit: AuditRepository = {
      append: async (event) => void written.push(event.action),
      appendMany: async (events) => void written.push(...events.map((e) => e.action)),
      list: async () => [],
    };
    const recorded = withWebhookEvents(audit, { enqueue: async (m) => void enqueued.push(...m) }, () => at);
    await recorded.append(revoked);
    await recorded.append({ actor: 'a', action: 'role.removed' });
    await recorded.appendMany([
      { actor: 'a', action: 'key.imported', keyId: 'key_1' },
      { actor: 'a', action: 'key.imported', keyId: 'key_2' },
    ]);
    expect(written).toEqual(['key.revoked', 'role.removed', 'key.imported', 'key.imported']);
    expect(enqueued.map((m) => [m.type, m.orderingKey])).toEqual([
      ['key.revoked', 'key:key_abc'],
      ['key.imported', 'key:key_1'],
      ['key.imported', 'key:key_2'],
    ]);
  });
});
