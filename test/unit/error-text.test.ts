import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliErrorText, describeCliFailure } from '../../src/cli/error-text.ts';
import { UsageError } from '../../src/cli/usage-error.ts';
import { USAGES } from '../../src/cli/usages.ts';
import { AppError, ERROR_CODES, type ErrorCode, type ErrorFacts } from '../../src/shared/errors.ts';
import { errorFieldText, errorText } from '../../src/slack/ui/error-text.ts';

const context = { command: '/hk-test' };
const HOSTILE = '*x* <!channel> <@U0VICTIM> <https://evil.example|click> A & B @here';

/** Facts that walk each code's hint branches (a field a code does not read changes nothing). */
const SAMPLES: ErrorFacts[] = [
  {},
  {
    partner: 'Acme',
    keyId: 'key_AbC123xYz789',
    version: 3,
    missing: 'approvers',
    required: 2,
    approvers: 1,
    need: 'approver',
    problem: 'catalog_changed',
    unknownPartners: true,
  },
  { partner: 'Acme', need: 'delivery_contact', missing: 'channel', problem: 'short_key_id' },
  {
    deliveryId: 'dlv_1',
    keyId: 'key_AbC123xYz789',
    partner: 'Acme',
    contact: 'U0CONTACT1',
    failure: 'user_not_found',
    reason: 'Slack refused the direct message',
    revoked: false,
  },
  { deliveryId: 'dlv_1', keyId: 'key_AbC123xYz789', partner: 'Acme', failure: 'too_late', revoked: true },
];

const errorOf = (code: ErrorCode, facts: ErrorFacts, message = 'Refused: a plain sentence.') =>
  new AppError(code, message, { facts });

/** Every fact a text module reads is hostile (`deliveryId` aside, so each code's own words are reached). */
const hostileFacts = (delivery: boolean): ErrorFacts =>
  new Proxy(
    {},
    {
      get: (_, name) => (name === 'deliveryId' ? (delivery ? 'dlv_1' : undefined) : HOSTILE),
    },
  ) as ErrorFacts;

/** Slack parses `<…>` as mentions and links and `&` as an entity: only escaped forms may be left. */
function expectEscaped(text: string): void {
  expect(text).not.toMatch(/<[!@#]|<https?:/);
  expect(text).not.toMatch(/&(?!amp;|lt;|gt;)/);
  expect(text).not.toMatch(/@here\b/);
}

const cliFlags = [...new Set(Object.values(USAGES).flatMap((usage) => usage.match(/--[a-z][a-z-]*/g) ?? []))];
const cliCommands = [...new Set(Object.keys(USAGES).map((name) => name.split(' ')[0]))];

describe('every error code', () => {
  it.each(ERROR_CODES)('%s has Slack text, a field text and CLI text', (code) => {
    for (const facts of SAMPLES) {
      const error = errorOf(code, facts);
      expect(errorText(error, context).trim()).not.toBe('');
      expect(errorFieldText(error, context).trim()).not.toBe('');
      expect(cliErrorText(error).trim()).not.toBe('');
    }
  });

  it.each(ERROR_CODES)('%s escapes every fact and the message it puts into Slack mrkdwn', (code) => {
    for (const delivery of [false, true]) {
      const error = errorOf(code, hostileFacts(delivery), `Refused: ${HOSTILE}.`);
      const text = errorText(error, context);
      expectEscaped(text);
      // Emphasis has no escape in mrkdwn (see escape.ts): it arrives as typed, never half-closed by our markup.
      if (text.includes('*x*')) expect(text).toContain(`*x* &lt;!channel&gt;`);
    }
  });

  it.each(ERROR_CODES)('%s: Slack text names no CLI command or flag, CLI text no slash command', (code) => {
    for (const facts of SAMPLES) {
      const error = errorOf(code, facts);
      const slack = `${errorText(error, context)}\n${errorFieldText(error, context)}`;
      for (const flag of cliFlags) expect(slack).not.toMatch(new RegExp(`${flag}\\b`));
      expect(slack).not.toMatch(new RegExp(`harvest-keys (${cliCommands.join('|')})\\b`));
      const cli = cliErrorText(error);
      expect(cli).not.toContain(context.command);
      expect(cli).not.toMatch(/\/harvest-keys\b|<@|:warning:/);
    }
  });
});

describe('Slack text', () => {
  it('puts typed names in escaped, and adds the slash-command hints the domain leaves out', () => {
    const partner = errorOf('UNKNOWN_PARTNER', { partner: '*Acme* <!channel> & Co' }, 'No partner named "…"');
    expect(errorText(partner, context)).toBe(
      'No partner named "*Acme* &lt;!channel&gt; &amp; Co": `/hk-test partners` lists them and adds new ones.',
    );
    expect(errorFieldText(partner, context)).toBe(
      'No partner named "*Acme* <!channel> & Co": /hk-test partners lists them and adds new ones.',
    );
    const approvers = errorOf('APPROVAL_NOT_CONFIGURED', { missing: 'approvers', required: 2, approvers: 0 });
    expect(errorText(approvers, context)).toMatch(
      /needs 2 approvals from someone other than you, but no other approver exists.*`\/hk-test roles`/,
    );
  });

  it('words a failed delivery by its facts whatever its code, mentioning only a real user id', () => {
    const cause = new AppError('PGP_KEY_UNCONFIRMED', 'Partner "Acme & Co"\'s PGP key is not confirmed', {
      facts: { partner: 'Acme & Co' },
    });
    const failed = new AppError('PGP_KEY_UNCONFIRMED', 'Key key_1 could not be delivered …', {
      cause,
      facts: { deliveryId: 'dlv_1', keyId: 'key_1', partner: 'Acme & Co', contact: 'U0CONTACT1', revoked: true },
    });
    const text = errorText(failed, context);
    expect(text).toMatch(/^Key `key_1` could not be delivered to <@U0CONTACT1>: Partner "Acme &amp; Co"'s PGP key/);
    expect(text).toContain('`/hk-test partners`');
    expect(text).toContain('The key was revoked');
    const notRevoked = new AppError('DELIVERY_FAILED', 'x', {
      facts: { deliveryId: 'dlv_1', keyId: 'key_1', contact: '<!channel>', reason: 'no', failure: 'x', revoked: false },
    });
    expect(errorText(notRevoked, context)).toMatch(/to &lt;!channel&gt;: .*revoking the key FAILED: revoke `key_1`/);
  });
});

describe('CLI text', () => {
  it('adds the CLI commands the domain leaves out', () => {
    expect(cliErrorText(new AppError('UNKNOWN_PARTNER', 'x', { field: 'partner', facts: { partner: 'Acme' } }))).toBe(
      'No partner named "Acme": add it first (harvest-keys partner add)',
    );
    const approvers = errorOf('APPROVAL_NOT_CONFIGURED', { missing: 'approvers', required: 2, approvers: 0 });
    expect(cliErrorText(approvers)).toContain('(harvest-keys role add <slack user id> approver)');
  });

  it('ends a run with one line and exit 1 for an expected failure, 2 for a usage mistake, a stack only for a bug', () => {
    expect(describeCliFailure(new UsageError('missing <id>\nusage: harvest-keys show <id>'))).toEqual({
      text: 'harvest-keys: missing <id>\nusage: harvest-keys show <id>',
      exitCode: 2,
    });
    expect(describeCliFailure(new AppError('KEY_NOT_FOUND', 'No key with id key_nope'))).toEqual({
      text: 'harvest-keys: No key with id key_nope',
      exitCode: 1,
    });
    const unreachable = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', port: 9 });
    expect(describeCliFailure(unreachable)).toEqual({
      text: 'harvest-keys: PostgreSQL: connection refused at the server (is PostgreSQL running and listening there?)',
      exitCode: 1,
    });
    const bug = describeCliFailure(new TypeError('x is undefined'));
    expect(bug).toMatchObject({ text: 'harvest-keys: x is undefined', exitCode: 1 });
    expect(bug.stack).toMatch(/TypeError: x is undefined\n\s+at /);
  });
});

describe('domain messages', () => {
  const root = path.resolve(import.meta.dirname, '../../src');
  const domains = ['keys', 'partners', 'roles', 'approvals', 'delivery', 'catalog', 'authz', 'audit'];
  const sources = domains.flatMap((folder) =>
    readdirSync(path.join(root, folder), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .map((file) => ({ file: `${folder}/${file}`, text: readFileSync(path.join(root, folder, file), 'utf8') })),
  );

  it('name no CLI command and no Slack mention, slash command or emoji (the text modules add those)', () => {
    expect(sources.length).toBeGreaterThan(20);
    for (const { file, text } of sources) {
      // Comments may talk about surfaces; only code (and so every message) is checked.
      const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      expect(code, file).not.toMatch(new RegExp(`harvest-keys (${cliCommands.join('|')})\\b`));
      expect(code, file).not.toMatch(/<@|<!|\/harvest-keys|:warning:|:x:/);
    }
  });
});
