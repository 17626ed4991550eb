import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppError } from '../../src/shared/errors.ts';
import { anAdmin } from '../fixtures/actors.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime.ts';

let rt: TestRuntime;
beforeAll(async () => {
  rt = await createTestRuntime();
  await rt.partners.create({ actor: anAdmin(), name: 'Legacy Partner' });
});
afterAll(async () => {
  await rt.dispose();
});

const csv = (...lines: string[]) => Buffer.from(`${lines.join('\n')}\n`);
const legacyKey = (n: number) => `0123456789abcdef0123456789ab${String(n).padStart(4, '0')}`;

async function refusal(bytes: Buffer): Promise<AppError> {
  const before = (await rt.keys.list()).total;
  try {
    await rt.importKeys(bytes, anAdmin());
  } catch (error) {
    expect((error as AppError).code).toBe('IMPORT_INVALID');
    expect((await rt.keys.list()).total).toBe(before);
    return error as AppError;
  }
  throw new Error('expected the import to be refused');
}

describe('legacy import', () => {
  it('imports keys of any format; a pre-cutoff key may call the legacy set and nothing added later', async () => {
    const result = await rt.importKeys(
      csv(
        'key,description,partner,created_at,grants',
        `${legacyKey(1)},Old ATS sync,Legacy Partner,2016-03-01,`,
        `${legacyKey(2)},Newer sync,,2018-06-01T10:00:00Z,GET /v1/users;GET: List Jobs`,
      ),
      anAdmin(),
    );
    expect(result.imported.map((k) => k.legacy)).toEqual([true, false]);
    const later = rt.catalog.endpoints.find(
      (e) => !e.existedAtLegacyCutoff && e.method === 'GET' && !e.path.includes(':'),
    );
    expect(await rt.keys.check(legacyKey(1), 'GET', '/v1/candidates')).toMatchObject({
      decision: { allowed: true, via: 'legacy' },
    });
    expect(await rt.keys.check(legacyKey(1), 'GET', later!.path)).toMatchObject({
      decision: { allowed: false, reason: 'not_granted' },
    });
    expect(await rt.keys.check(legacyKey(2), 'GET', '/v1/jobs')).toMatchObject({
      decision: { allowed: true, via: 'grant' },
    });
    expect(await rt.keys.check(legacyKey(2), 'GET', '/v1/candidates')).toMatchObject({ decision: { allowed: false } });
    const [event] = await rt.store.audit.list({ keyId: result.imported[0]!.id });
    expect(event?.action).toBe('key.imported');
  });

  it('refuses the same key twice, in one file or across imports', async () => {
    const inFile = await refusal(
      csv('key,description,partner,created_at', `${legacyKey(10)},A,,2016-01-01`, `${legacyKey(10)},B,,2016-01-01`),
    );
    expect(inFile.details).toEqual(['line 3: same key as line 2']);
    await rt.importKeys(csv('key,description,partner,created_at', `${legacyKey(11)},A,,2016-01-01`), anAdmin());
    const again = await refusal(csv('key,description,partner,created_at', `${legacyKey(11)},A,,2016-01-01`));
    expect(again.details).toEqual(['line 2: this key was already imported or issued']);
  });

  it('reports every bad line by number and writes nothing', async () => {
    const error = await refusal(
      csv(
        'key,description,partner,created_at,grants',
        `${legacyKey(20)},Fine,,2016-01-01,`,
        `${legacyKey(21)},,,2016-01-01,`,
        `${legacyKey(22)},Bad date,,01/02/2016,`,
        `${legacyKey(23)},Unknown partner,Nobody,2016-01-01,`,
        `${legacyKey(24)},Bad grant,,2016-01-01,GET /v1/nope`,
        'short,Too short,,2016-01-01,',
        `${legacyKey(25)},Future,,2999-01-01,`,
      ),
    );
    expect(error.details.map((d) => d.split(':')[0])).toEqual([
      'line 3',
      'line 4',
      'line 5',
      'line 6',
      'line 7',
      'line 8',
    ]);
    expect(error).toMatchObject({ code: 'IMPORT_INVALID', facts: { problems: 6, unknownPartners: true } });
    expect(error.details).toEqual(
      expect.arrayContaining([
        'line 3: description: empty',
        expect.stringMatching(/^line 4: created_at: not a date/),
        expect.stringMatching(/^line 5: partner: no partner by this name/),
        expect.stringMatching(/^line 6: grants: entry 1 is not an endpoint/),
      ]),
    );
    expect(error.message).toMatch(/nothing was written/);
    expect(error.message).not.toContain(legacyKey(20));
  });

  it('never repeats a value from the file: a key that slipped into any column is named by line, column and rule only', async () => {
    const secret = 'Zq7SecretSlippedIntoColumnX40xyz';
    const slipped = [
      csv('key,description,partner,created_at,grants', `${legacyKey(41)},Slipped,${secret},2016-01-01,`),
      csv('key,description,partner,created_at,grants', `${legacyKey(42)},Slipped,,${secret},`),
      csv('key,description,partner,created_at,grants', `${legacyKey(43)},Slipped,,2016-01-01,${secret}`),
      csv('key,description,partner,created_at,grants', `${legacyKey(44)},Slipped,,2016-01-01,GET ${secret}`),
      csv('key,description,partner,created_at,grants', `${legacyKey(45)},${secret}\u0001,,2016-01-01,`),
      csv(
        'key,description,partner,created_at,grants',
        `${secret.slice(0, 10)}"${secret.slice(10)},Quoted,,2016-01-01,`,
      ),
      csv('key,description,partner,created_at,grants', `"${secret}"x,Quoted,,2016-01-01,`),
      csv('key,description,partner,created_at,grants', `"${secret},Unclosed,,2016-01-01,`),
      csv(`${secret},description,partner,created_at`, `${legacyKey(46)},No header,,2016-01-01`),
    ];
    for (const file of slipped) {
      const error = await refusal(file);
      expect(error.details.length).toBeGreaterThan(0);
      for (const fragment of [secret, secret.slice(0, 10), secret.slice(10), secret.slice(-12)]) {
        expect(error.message).not.toContain(fragment);
        expect(JSON.stringify(error.facts)).not.toContain(fragment);
      }
    }
  });

  it('refuses missing columns, an empty file and bytes that are not UTF-8, naming the line', async () => {
    expect((await refusal(csv('key,description', `${legacyKey(30)},x`))).message).toMatch(
      /missing columns: partner, created_at/,
    );
    expect((await refusal(csv('key,description,partner,created_at'))).message).toMatch(/no key rows/);
    const latin1 = Buffer.concat([
      Buffer.from(`key,description,partner,created_at\n${legacyKey(31)},Caf`),
      Buffer.from([0xe9]),
      Buffer.from(',,2016-01-01\n'),
    ]);
    expect((await refusal(latin1)).details).toEqual(['line 2: not valid UTF-8 text (save the file as UTF-8)']);
  });
});
