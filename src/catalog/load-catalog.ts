import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { AppError } from '../shared/errors.ts';
import { createCatalog } from './catalog.ts';
import harvest from './data/harvest.json' with { type: 'json' };
import { parseCatalogJson } from './parse-catalog.ts';
import { parseOpenApi } from './parse-openapi.ts';
import type { Catalog } from './types.ts';

// Loaded only for a YAML catalog file (synchronously, so parsing stays synchronous): the built-in catalog and JSON
// files never pay for the YAML parser, e.g. on every CLI run.
const parseYaml = (text: string): unknown =>
  (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(text);

export function harvestCatalog(): Catalog {
  const { name, endpoints } = parseCatalogJson(harvest, 'built-in Harvest catalog');
  return createCatalog(name, endpoints);
}

/** Parses a catalog document: the project's JSON shape, or OpenAPI 3 as JSON or YAML. */
export function parseCatalogText(text: string, source: string): Catalog {
  let document: unknown;
  try {
    document = /\.ya?ml$/i.test(source) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new AppError(
      'CATALOG_INVALID',
      `Catalog ${source} is not valid ${/\.ya?ml$/i.test(source) ? 'YAML' : 'JSON'}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (typeof document === 'object' && document !== null && 'openapi' in document) {
    const version = String((document as { openapi: unknown }).openapi);
    if (!version.startsWith('3.')) {
      throw new AppError('CATALOG_INVALID', `Catalog ${source}: OpenAPI ${version} is not supported (expected 3.x)`);
    }
    const { name, endpoints } = parseOpenApi(document as Record<string, unknown>, source);
    return createCatalog(name, endpoints);
  }
  const { name, endpoints } = parseCatalogJson(document, source);
  return createCatalog(name, endpoints);
}

export async function loadCatalog(file: string | undefined): Promise<Catalog> {
  if (file === undefined) return harvestCatalog();
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new AppError(
      'CATALOG_INVALID',
      `CATALOG_FILE ${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? error}`,
      { cause: error },
    );
  }
  return parseCatalogText(text, file);
}
