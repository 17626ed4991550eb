import { describe, expect, it } from 'vitest';
import { auditRecord } from '../../src/audit/audit-record.ts';
import { defaultSource } from '../../src/audit/source.ts';
import type { AuditEvent } from '../../src/audit/types.ts';
import { parseTimeBound } from '../../src/cli/time-bound.ts';
import { changeSummary, relatedKeyIds, keyHistoryView } from '../../src/slack/blocks/history-view.ts';
import { validateSurface } from '../helpers/block-kit-validator.ts';
import { aKey, NASTY_DESCRIPTION } from '../fixtures/slack-edge-data.ts';

const now = new Date('2026-11-28T12:00:00Z');
const usage = 'harvest-keys audit …';

const anEvent = (overrides: Partial<AuditEvent> = {}): AuditEvent => ({
  id: 1,
  at: now,
  actor: 'U0ADMIN0001',
  action: 'key.revoked',
  keyId: 'key_AbCdEf123456',
  source: 'slack',
  ...overrides,
});

describe('audit --since / --until', () => {
  it.each([
    ['2026-11-01', '2026-11-01T00:00:00.000Z'],
    ['2026-11-01T09:30', '2026-11-01T09:30:00.000Z'],
    ['2026-11-01T09:30:15Z', '2026-11-01T09:30:15.000Z'],
    ['2026-11-01T09:30:00+02:00', '2026-11-01T07:30:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['7d', '2026-11-21T12:00:00.000Z'],
    ['12h', '2026-11-28T00:00:00.000Z'],
    ['30m', '2026-11-28T11:30:00.000Z'],
    ['2w', '2026-11-14T12:00:00.000Z'],
    [' 1d ', '2026-11-27T12:00:00.000Z'],
  ])('reads %j as %s', (text, expected) => {
    expect(parseTimeBound(text, now, '--since', usage).toISOString()).toBe(expected);
  });

  it.each([
    'yesterday',
    '2026-02-29',
    '2026-13-01',
    '2026-11-31',
    '2026-11-01T24:00',
    '2026-11-01T09:60',
    '7',
    '-7d',
    '7 days',
    '',
  ])('refuses %j as a usage mistake naming what is accepted', (text) => {
    expect(() => parseTimeBound(text, now, '--until', usage)).toThrow(/^--until: .*(not a time|not a real date)/);
  });

  it('never repeats a pasted key', () => {
    const key = `hk_${'A1b2C3d4E5'.repeat(4).slice(0, 38)}`;
    expect(() => parseTimeBound(key, now, '--since', usage)).toThrow(/\(the value given\)/);
  });
});

describe('audit sources', () => {
  it('tells the source from the actor and action when the writer names none', () => {
    expect(defaultSource('U0ADMIN0001', 'key.revoked')).toBe('slack');
    expect(defaultSource('cli:ops', 'key.created')).toBe('cli');
    expect(defaultSource('github-secret-scanning', 'key.revoked')).toBe('secret-scanning');
    expect(defaultSource('system', 'approval.expired')).toBe('approvals');
    expect(defaultSource('hkc_0123456789abcdefghijklmn', 'oauth.client_auth_failed')).toBe('authz');
    expect(defaultSource('U0ADMIN0001', 'approval.requested')).toBe('approvals');
  });

  it('exports an event with its reason and nulls for what it does not have', () => {
    expect(auditRecord(anEvent({ details: { reason: 'rotated' } }))).toEqual({
      id: 1,
      time: '2026-11-28T12:00:00.000Z',
      action: 'key.revoked',
      key: 'key_AbCdEf123456',
      partner: null,
      actor: 'U0ADMIN0001',
      source: 'slack',
      reason: 'rotated',
      before: null,
      after: null,
      details: { reason: 'rotated' },
    });
  });
});

describe('the History view', () => {
  it('stays within Block Kit limits with 20 events of the longest text anyone can type', () => {
    const key = aKey({ description: NASTY_DESCRIPTION });
    const events = Array.from({ length: 20 }, (_, i) =>
      anEvent({
        id: i,
        action: i % 2 === 0 ? 'key.revoked' : 'key.edited',
        actor: i % 3 === 0 ? 'cli:a-very-long-operator-name-from-a-directory' : 'U0ADMIN0001',
        source: i % 3 === 0 ? 'cli' : 'approvals',
        details: {
          reason: NASTY_DESCRIPTION.repeat(4),
          added: Array.from({ length: 140 }, (_, j) => `GET /v1/x${j}`),
          removed: ['GET /v1/users'],
          networksAdded: ['10.0.0.0/8'],
          expiry: { from: null, to: '2027-01-31T00:00:00.000Z' },
          replacedBy: 'key_Successor0001',
          decision: 'deny',
        },
        before: { description: NASTY_DESCRIPTION },
        after: { description: `${NASTY_DESCRIPTION}!` },
      }),
    );
    const view = keyHistoryView(key, events);
    expect(validateSurface('modal', view)).toEqual([]);
    const raw = JSON.stringify(view);
    expect(raw).not.toContain('<!channel>');
    expect(raw).not.toMatch(/<@U0[^A]/);
  });

  it('says so when nothing was recorded', () => {
    const view = keyHistoryView(aKey(), []);
    expect(validateSurface('modal', view)).toEqual([]);
    expect(JSON.stringify(view)).toContain('Nothing has been recorded for this key yet.');
  });

  it('sums up a change in a few words', () => {
    expect(
      changeSummary({
        details: { added: ['a', 'b'], removed: ['c'], networksRemoved: ['10.0.0.0/8'], expiry: { to: null } },
        before: { description: 'Old <b>' },
        after: { description: 'New' },
      }),
    ).toEqual(['+2 permissions', '−1 permission', '−1 network', 'description “Old &lt;b&gt;” → “New”', 'no expiry']);
    expect(changeSummary({ details: { replacedBy: 'key_Next00000001' } })).toEqual(['replaced by `key_Next00000001`']);
    // A successor still on record is named as every surface names a key: description and last characters.
    const successor = aKey({ id: 'key_Next00000001', description: 'Acme <next>', hint: 'x9Zq' });
    const [named] = changeSummary(
      { details: { replacedBy: 'key_Next00000001' } },
      new Map([[successor.id, successor]]),
    );
    expect(named).toContain('Acme &lt;next&gt;');
    expect(named).toContain('x9Zq');
    expect(named).not.toContain('key_Next00000001');
    expect(
      relatedKeyIds([{ details: { replacedBy: 'key_a', abandoned: 'key_b' } }, { details: { upgrades: 'key_a' } }]),
    ).toEqual(['key_a', 'key_b']);
  });

  it('names the failed key an abandoned replacement dropped, with the reason under it', () => {
    const event = anEvent({
      action: 'key.replacement_abandoned',
      actor: 'system',
      details: { abandoned: 'key_Dead00000001', reason: 'key_Dead00000001 was not handed over: delivery dlv_1 failed' },
    });
    const text = JSON.stringify(keyHistoryView(aKey(), [event]));
    expect(text).toContain('*Replacement abandoned*');
    expect(text).toContain('`key_Dead00000001` never reached the partner; no longer its successor');
    expect(text).toContain('_Reason:_ key_Dead00000001 was not handed over');
  });

  it('dates a new expiry as every other surface does, in the reader’s time zone, not as an ISO day', () => {
    const [expiry] = changeSummary({ details: { expiry: { to: '2027-03-02T09:27:28.000Z' } } });
    expect(expiry).toBe('expires <!date^1803979648^{date_short_pretty} {time}|2027-03-02 09:27 UTC>');
  });
});
