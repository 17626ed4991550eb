import { parse } from 'csv-parse/sync';
import type { AuditRepository } from '../audit/types.ts';
import type { Catalog } from '../catalog/types.ts';
import type { PartnerRepository } from '../partners/types.ts';
import { AppError, isAppError } from '../shared/errors.ts';
import { newKeyId } from '../shared/ids.ts';
import type { Transactional } from '../shared/transaction.ts';
import { MAX_DESCRIPTION_LENGTH, validateDescription } from './description.ts';
import { resolveGrants } from '../catalog/resolve-grants.ts';
import type { ChangeNotifier, KeyRepository, NewKeyRecord } from './key-repository.ts';
import { type SecretFormat, secretHint } from './secret-format.ts';
import type { ApiKey } from './types.ts';

const REQUIRED_COLUMNS = ['key', 'description', 'partner', 'created_at'] as const;

/** What an import writes, all in one transaction. */
export interface ImportTransaction {
  keys: Pick<KeyRepository, 'insertMany'>;
  audit: Pick<AuditRepository, 'appendMany'>;
  changes: Pick<ChangeNotifier, 'keysAdded'>;
}

/** An import's storage: the checks it reads first, then its transaction. */
export interface ImportStore extends Transactional<ImportTransaction> {
  keys: Pick<KeyRepository, 'existingDigests'>;
  partners: Pick<PartnerRepository, 'list'>;
}

export interface ImportDeps {
  store: ImportStore;
  catalog: Catalog;
  secretFormat: SecretFormat;
  digest: (secret: string) => Buffer;
  legacyCutoff: Date;
  now?: () => Date;
}

/** Finds lines that are not UTF-8 before parsing, so the report can name them (a decoder would only say "somewhere"). */
function nonUtf8Lines(bytes: Buffer): number[] {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const bad: number[] = [];
  let start = 0;
  let line = 1;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      try {
        decoder.decode(bytes.subarray(start, i));
      } catch {
        bad.push(line);
      }
      start = i + 1;
      line++;
    }
  }
  return bad;
}

function parseDate(value: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) return undefined;
  const date = new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Legacy import, all or nothing: every bad line is reported by its number and nothing is written unless the whole
 * file is good. Keys of any format are accepted (they predate ours) and stored only as digests.
 */
export function createKeyImporter(deps: ImportDeps) {
  const now = deps.now ?? (() => new Date());
  return async function importKeys(
    bytes: Buffer,
    actor: string,
  ): Promise<{ imported: Pick<ApiKey, 'id' | 'description' | 'legacy'>[] }> {
    const badBytes = nonUtf8Lines(bytes);
    if (badBytes.length > 0) {
      throw invalid(badBytes.map((n) => `line ${n}: not valid UTF-8 text (save the file as UTF-8)`));
    }
    let rows: { record: Record<string, string>; line: number }[];
    try {
      rows = (
        parse(bytes.toString('utf8').replace(/^\uFEFF/, ''), {
          columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
          skip_empty_lines: true,
          trim: true,
          info: true,
        }) as { record: Record<string, string>; info: { lines: number } }[]
      ).map(({ record, info }) => ({ record, line: info.lines }));
    } catch (error) {
      throw invalid([csvProblem(error as Error & { lines?: unknown; column?: unknown })]);
    }
    if (rows.length === 0)
      throw invalid(['the file has no key rows (expected a header: key,description,partner,created_at[,grants])']);
    const columns = Object.keys(rows[0]?.record ?? {});
    const missing = REQUIRED_COLUMNS.filter((c) => !columns.includes(c));
    if (missing.length > 0)
      throw invalid([
        `missing column${missing.length > 1 ? 's' : ''}: ${missing.join(', ')} (header must be key,description,partner,created_at[,grants])`,
      ]);

    const problems: string[] = [];
    let unknownPartners = false;
    const records: NewKeyRecord[] = [];
    const lineOfDigest = new Map<string, number>();
    const partners = new Map(
      (await deps.store.partners.list({ includeArchived: true })).map((p) => [p.name.toLowerCase(), p]),
    );
    for (const { record, line } of rows) {
      const where = `line ${line}`;
      const secret = record.key ?? '';
      const format = deps.secretFormat.check(secret);
      if (!format.ok) {
        problems.push(
          `${where}: key is ${format.reason === 'empty' ? 'empty' : "not a valid key (16–128 printable characters, or this service's format with a valid checksum)"}`,
        );
        continue;
      }
      const digest = deps.digest(secret);
      const first = lineOfDigest.get(digest.toString('hex'));
      if (first !== undefined) {
        problems.push(`${where}: same key as line ${first}`);
        continue;
      }
      lineOfDigest.set(digest.toString('hex'), line);
      // Problems name the column and the rule, never the value: a file whose columns slipped holds keys in any column.
      const lineProblems: string[] = [];
      let description = '';
      try {
        description = validateDescription(record.description ?? '');
      } catch (error) {
        if (!isAppError(error, 'DESCRIPTION_INVALID')) throw error;
        lineProblems.push(
          `description: ${DESCRIPTION_RULES[String(error.facts.problem)] ?? 'not a valid description'}`,
        );
      }
      const partnerName = record.partner ?? '';
      const partner = partnerName === '' ? undefined : partners.get(partnerName.toLowerCase());
      if (partnerName !== '' && partner === undefined) {
        lineProblems.push('partner: no partner by this name (add it first)');
        unknownPartners = true;
      }
      const createdAt = parseDate(record.created_at ?? '');
      if (createdAt === undefined)
        lineProblems.push('created_at: not a date (expected YYYY-MM-DD or an ISO 8601 time)');
      else if (createdAt > now()) lineProblems.push('created_at: in the future');
      const grants = (record.grants ?? '')
        .split(/[;|]/)
        .map((g) => g.trim())
        .filter((g) => g !== '');
      const permissions: string[] = [];
      grants.forEach((grant, index) => {
        try {
          permissions.push(...resolveGrants(deps.catalog, [grant]));
        } catch (error) {
          const rule = isAppError(error, 'UNKNOWN_ENDPOINT')
            ? `not an endpoint of the ${deps.catalog.name} catalog`
            : 'malformed (write "METHOD /path" or the endpoint\'s label)';
          lineProblems.push(`grants: entry ${index + 1} is ${rule}`);
        }
      });
      permissions.sort();
      if (lineProblems.length > 0) {
        problems.push(...lineProblems.map((p) => `${where}: ${p}`));
        continue;
      }
      records.push({
        id: newKeyId(),
        secretDigest: digest,
        hint: secretHint(secret),
        description,
        apiType: deps.catalog.name,
        partnerId: partner?.id ?? null,
        legacy: (createdAt as Date) < deps.legacyCutoff,
        createdBy: actor,
        createdAt: createdAt as Date,
        permissions: [...new Set(permissions)],
      });
    }
    if (problems.length === 0) {
      const taken = new Set(
        (await deps.store.keys.existingDigests(records.map((r) => r.secretDigest))).map((d) => d.toString('hex')),
      );
      for (const record of records) {
        const hex = record.secretDigest.toString('hex');
        if (taken.has(hex)) problems.push(`line ${lineOfDigest.get(hex)}: this key was already imported or issued`);
      }
    }
    if (problems.length > 0) throw invalid(problems, { unknownPartners });

    // Multi-row writes keep the transaction short, and the ids are announced in a few batched notifications:
    // instances load the new keys by id, in bounded batches, after any change to an existing key.
    await deps.store.transaction(async (repos) => {
      await repos.keys.insertMany(records);
      await repos.audit.appendMany(
        records.map((record) => ({
          actor,
          action: 'key.imported' as const,
          keyId: record.id,
          partnerId: record.partnerId ?? undefined,
          after: {
            description: record.description,
            partnerId: record.partnerId,
            status: 'active',
            permissions: record.permissions,
            legacy: record.legacy,
            createdAt: record.createdAt.toISOString(),
          },
        })),
      );
      await repos.changes.keysAdded(records.map((record) => record.id));
    });
    return { imported: records.map((r) => ({ id: r.id, description: r.description, legacy: r.legacy })) };
  };
}

/** Each problem names the line, the column and the rule, never the value; `facts` say what the surface may advise. */
function invalid(problems: string[], facts: { unknownPartners?: boolean } = {}): AppError {
  return new AppError('IMPORT_INVALID', `Import refused, nothing was written:\n  - ${problems.join('\n  - ')}`, {
    details: problems,
    facts: { problems: problems.length, ...facts },
  });
}

/** A description's problem in import terms: the line and column are named around it, the value never is. */
const DESCRIPTION_RULES: Record<string, string> = {
  empty: 'empty',
  too_long: `longer than ${MAX_DESCRIPTION_LENGTH} characters`,
  control_characters: 'contains control characters (line breaks, tabs): use one plain line',
};

/** csv-parse quotes the field it choked on; only its line, a known column name and the kind of mistake are kept. */
function csvProblem(error: Error & { lines?: unknown; column?: unknown }): string {
  const kind = /^[A-Za-z ]+(?=:)/.exec(error.message)?.[0] ?? 'unreadable';
  const known = ['key', 'description', 'partner', 'created_at', 'grants'];
  const column = typeof error.column === 'string' && known.includes(error.column) ? `, column ${error.column}` : '';
  const where = typeof error.lines === 'number' ? `line ${error.lines}${column}: ` : '';
  return `${where}not valid CSV (${kind.toLowerCase()}): quote a field that holds a comma or a quote, and double the quotes inside it`;
}
