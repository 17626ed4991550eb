import { describe, expect, it } from 'vitest';
import { type LeakFinding, leakReason } from '../../src/keys/leak-response.ts';
import { leakAlertMessage } from '../../src/slack/blocks/leak-alert.ts';
import { validateSurface } from '../helpers/block-kit-validator.ts';
import { aKey } from '../fixtures/slack-edge-data.ts';

const finding = (overrides: Partial<LeakFinding> = {}): LeakFinding => ({
  key: aKey({ partnerName: '<!channel> Acme & Co' }),
  url: 'https://github.com/octo/app/blob/abc/.env',
  source: 'commit',
  type: 'harvest_keys_api_key',
  action: 'revoke',
  revokedNow: true,
  ...overrides,
});

const mrkdwn = (message: { blocks: unknown }) => JSON.stringify(message.blocks);

describe('the leak alert', () => {
  it('is a valid message naming the key, where it was found and that it was revoked, with Replace and deliver', () => {
    const message = leakAlertMessage(finding());
    expect(validateSurface('message', message)).toEqual([]);
    expect(message.text).toMatch(/^Leaked API key: .* \(revoked\)$/);
    expect(mrkdwn(message)).toContain(
      '<https://github.com/octo/app/blob/abc/.env|https://github.com/octo/app/blob/abc/.env>',
    );
    expect(mrkdwn(message)).toContain('revoked at once');
    expect(mrkdwn(message)).toContain('"action_id":"leak.replace"');
  });

  it('shows a reported URL and source that are not plain https links as text: no mention, link or markup', () => {
    const message = leakAlertMessage(
      finding({ url: 'https://x.test/a|<!channel>', source: '<!here> @everyone', revokedNow: false, action: 'alert' }),
    );
    expect(validateSurface('message', message)).toEqual([]);
    const text = mrkdwn(message);
    expect(text).not.toMatch(/<!(channel|here)>/);
    expect(text).not.toContain('@everyone');
    expect(text).toContain('still active');
  });

  it('escapes the description and partner name in the notification fallback too', () => {
    const message = leakAlertMessage(finding({ key: aKey({ description: '<!channel> ping <@U0VICTIM> & co' }) }));
    expect(message.text).not.toMatch(/<!channel>|<@U0VICTIM>/);
    expect(message.text).toContain('&lt;!channel&gt; ping &lt;@U0VICTIM&gt; &amp; co');
  });

  it('stays within Slack limits with the longest description, partner name, URL and source, all of them escaped', () => {
    const key = aKey({ description: '<'.repeat(255), partnerName: '&'.repeat(80) });
    const url = `https://github.com/${'a&b'.repeat(327)}`.slice(0, 1000);
    const message = leakAlertMessage(finding({ key, url, source: '>'.repeat(200), type: 't'.repeat(200) }));
    expect(validateSurface('message', message)).toEqual([]);
    // The link to where it was found is never cut short.
    expect(mrkdwn(message)).toContain(`<${url}|`);
  });

  it('says a key revoked before stays revoked, and offers no replace for a key already replaced', () => {
    const revoked = aKey({ status: 'revoked', revokedAt: new Date('2026-11-01T00:00:00Z'), replacedBy: 'key_next' });
    const message = leakAlertMessage(finding({ key: revoked, revokedNow: false }));
    expect(validateSurface('message', message)).toEqual([]);
    expect(mrkdwn(message)).toContain('already revoked');
    expect(mrkdwn(message)).not.toContain('leak.replace');
    expect(mrkdwn(message)).toContain('already replaced by');
  });

  it('names the key that already replaced it by its description and last characters, not its row id', () => {
    const replaced = aKey({ replacedBy: 'key_Next00000001' });
    const successor = aKey({ id: 'key_Next00000001', description: 'Acme <Next> integration', hint: 'x9Zq' });
    const text = mrkdwn(leakAlertMessage(finding({ key: replaced, revokedNow: false }), successor));
    expect(text).toContain('Acme &lt;Next&gt; integration');
    expect(text).toContain('x9Zq');
    expect(text).not.toContain('already replaced by `key_Next00000001`');
  });

  it('calls a Harvest v3 client’s leaked secret what it is', () => {
    const client = aKey({ kind: 'oauth_client', clientId: 'hkc_0123456789abcdefghijklmn' });
    const message = leakAlertMessage(finding({ key: client }));
    expect(validateSurface('message', message)).toEqual([]);
    expect(message.text).toMatch(/^Leaked Harvest v3 client secret: /);
    expect(mrkdwn(message)).toContain('hkc_0123456789abcdefghijklmn');
  });
});

describe('the revoke reason of a leak', () => {
  it('names the URL, fits the 500 characters a reason may have, and holds no NUL', () => {
    expect(leakReason('https://github.com/o/r/blob/x/.env')).toBe('leaked: https://github.com/o/r/blob/x/.env');
    const long = leakReason(`https://github.com/${'a'.repeat(600)}\u0000`);
    expect(long).toHaveLength(500);
    expect(long.startsWith('leaked: https://github.com/aaa')).toBe(true);
    expect(leakReason('bad\u0000url')).toBe('leaked: badurl');
  });
});
