import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * In embedded mode a pepper is generated once and kept beside the data (but not in the database). Losing this file
 * makes every stored key unusable, which is why external deployments must supply KEY_PEPPER themselves.
 */
export async function readOrCreatePepper(dataDir: string): Promise<{ pepper: string; created: boolean; file: string }> {
  const file = path.join(dataDir, 'key-pepper');
  if (existsSync(file)) return { pepper: (await readFile(file, 'utf8')).trim(), created: false, file };
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const pepper = randomBytes(48).toString('base64url');
  await writeFile(file, `${pepper}\n`, { mode: 0o600, flag: 'wx' });
  return { pepper, created: true, file };
}
