import { describe, expect, it } from 'vitest';
import { COMMANDS, HELP, resolve } from '../../src/cli/command-line.ts';
import { UsageError } from '../../src/cli/usage-error.ts';

/** Issue 10 finding 8: usage mistakes are found before the database is opened and exit 2; help works for every command. */
const names = Object.keys(COMMANDS);
const KEY = 'hk_Zq7SecretPastedIntoTheWrongPlace0';

async function usageMistake(argv: string[]): Promise<UsageError> {
  try {
    const resolved = resolve(argv);
    if ('help' in resolved) throw new Error(`expected a usage mistake, got help for ${argv.join(' ')}`);
    await resolved.command.parse(resolved.rest);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`expected a usage mistake for: ${argv.join(' ')}`);
}

describe('help', () => {
  it.each(names)('"%s --help", "-h" and "help %s" print that command\'s usage', (name) => {
    const words = name.split(' ');
    const usage = (COMMANDS[name] as { usage: string }).usage;
    for (const argv of [
      [...words, '--help'],
      [...words, '-h'],
      ['help', ...words],
      [...words, 'some-arg', '--help'],
    ]) {
      expect(resolve(argv)).toEqual({ help: `usage: ${usage}` });
    }
    expect(usage.startsWith(`harvest-keys ${name}`)).toBe(true);
    expect(HELP).toContain(usage);
  });

  it('prints the overview for help, --help and -h, and each group\'s commands for "partner --help"', () => {
    for (const argv of [['help'], ['--help'], ['-h']]) expect(resolve(argv)).toEqual({ help: HELP });
    const partner = resolve(['partner', '--help']);
    expect('help' in partner && partner.help).toContain('harvest-keys partner key');
    expect(resolve(['help', 'role'])).toMatchObject({ help: expect.stringContaining('harvest-keys role list') });
  });
});

describe('usage mistakes', () => {
  it.each(names)('"%s" with an unknown flag, or one argument too many, is a usage mistake', async (name) => {
    const words = name.split(' ');
    expect((await usageMistake([...words, '--no-such-flag'])).message).toMatch(
      /^unknown option "--no-such-flag"\nusage: harvest-keys /,
    );
    const filled = ['key_abc', 'GET', '/v1/users'];
    // More positionals than any command takes.
    expect((await usageMistake([...words, ...filled, 'x', 'y'])).message).toMatch(
      /too many arguments|--description is required/,
    );
  });

  it('an unknown command or subcommand, a missing argument, a bad value', async () => {
    for (const argv of [
      [],
      ['nope'],
      ['partner'],
      ['partner', 'nope'],
      ['role'],
      ['show'],
      ['edit'],
      ['check', KEY],
      ['check', KEY, 'GET'],
      ['partner', 'add'],
      ['role', 'add', 'U012ABCDEF'],
      ['role', 'add', 'U012ABCDEF', 'boss'],
      ['list', '--status', 'gone'],
      ['replace', 'key_x', '--grace', 'soon'],
      ['edit', 'key_x', '--version', '1.5'],
      ['create'],
      ['list', '--status'],
      ['list', '--json=yes'],
      ['help', 'nope'],
    ]) {
      await usageMistake(argv);
    }
  });

  it('never repeats a key typed where a command, option or value belongs', async () => {
    for (const argv of [
      [KEY],
      ['partner', KEY],
      [`--${KEY}`],
      ['list', `--${KEY}`],
      ['list', `--${KEY}=x`],
      ['show', 'key_x', KEY],
      ['role', 'add', 'U012ABCDEF', KEY],
      ['replace', 'key_x', '--grace', KEY],
      ['check', KEY, 'GET', '/v1/users', KEY],
    ]) {
      const error = await usageMistake(argv);
      expect(error.message).not.toContain(KEY.slice(3, 20));
    }
  });
});

describe('check -', () => {
  it('takes the key from standard input, so it is not in shell history or ps', async () => {
    const resolved = resolve(['check', '-', 'GET', '/v1/users']);
    if ('help' in resolved) throw new Error('expected a command');
    const { Readable } = await import('node:stream');
    const original = Object.getOwnPropertyDescriptor(process, 'stdin') as PropertyDescriptor;
    Object.defineProperty(process, 'stdin', { value: Readable.from([Buffer.from(`${KEY}\n`)]), configurable: true });
    try {
      expect(await resolved.command.parse(resolved.rest)).toMatchObject({
        secret: KEY,
        method: 'GET',
        path: '/v1/users',
      });
    } finally {
      Object.defineProperty(process, 'stdin', original);
    }
  });
});

describe('files that cannot be read', () => {
  it('are named with the reason in words, as a refusal (one line, exit 1), not an errno code or a stack', async () => {
    const { importCsv } = await import('../../src/cli/commands/key-import-command.ts');
    const { partnerKey } = await import('../../src/cli/commands/partner-key-command.ts');
    const { isAppError } = await import('../../src/shared/errors.ts');
    const ctx = {} as Parameters<typeof importCsv.run>[0];
    for (const [run, file] of [
      [() => importCsv.run(ctx, { file: '/nonexistent/keys.csv', json: false }), '/nonexistent/keys.csv'],
      [
        () => partnerKey.run(ctx, { values: {}, partner: 'Acme', file: '/nonexistent/acme.asc' }),
        '/nonexistent/acme.asc',
      ],
      [() => importCsv.run(ctx, { file: '/tmp', json: false }), '/tmp'],
    ] as const) {
      const error = await run().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isAppError(error)).toBe(true);
      expect((error as Error).message).toMatch(
        new RegExp(`^Cannot read ${file}: (no such file|it is a folder, not a file)$`),
      );
    }
  });
});
