import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../shared/errors.ts';

/**
 * In embedded mode a pepper is generated once and kept beside the data (but not in the database). Losing this file
 * makes every stored key unusable, which is why external deployments must supply KEY_PEPPER themselves.
 */
export async function readOrCreatePepper(
  dataDir: string,
  /** Why a new pepper must not be made (keys already stored under the lost one), or undefined when it may. */
  refusal: () => Promise<string | undefined> = async () => undefined,
): Promise<{ pepper: string; created: boolean; file: string }> {
  const file = path.join(dataDir, 'key-pepper');
  if (existsSync(file)) return { pepper: (await readFile(file, 'utf8')).trim(), created: false, file };
  const reason = await refusal();
  if (reason !== undefined) {
    throw new AppError(
      'CONFIG_INVALID',
      `The key pepper ${file} is missing, but ${reason}: a new pepper would make every one of them unknown. Restore the file from your backup of DATA_DIR, or set KEY_PEPPER to the pepper they were issued with.`,
    );
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const pepper = randomBytes(48).toString('base64url');
  await writeFile(file, `${pepper}\n`, { mode: 0o600, flag: 'wx' });
  return { pepper, created: true, file };
}
