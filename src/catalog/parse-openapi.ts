import { AppError } from '../shared/errors.ts';
import { buildEndpoints, type RawEndpoint } from './parse-catalog.ts';
import type { Endpoint } from './types.ts';

const OPERATION_KEYS = ['get', 'post', 'put', 'patch', 'delete'];
const IGNORED_KEYS = new Set(['parameters', 'summary', 'description', 'servers', '$ref', 'head', 'options', 'trace']);

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * OpenAPI 3: every path × operation becomes an endpoint, the first tag its resource group, the summary its label.
 * HEAD/OPTIONS/TRACE are not separate permissions (HEAD is judged as GET), so they are skipped.
 */
export function parseOpenApi(document: Json, source: string): { name: string; endpoints: Endpoint[] } {
  const info = isObject(document.info) ? document.info : {};
  const name = typeof info.title === 'string' && info.title.trim() !== '' ? info.title.trim().slice(0, 40) : 'API';
  if (!isObject(document.paths)) {
    throw new AppError('CATALOG_INVALID', `Catalog ${source} is invalid: OpenAPI document has no "paths" object`);
  }
  const raw: RawEndpoint[] = [];
  const problems: string[] = [];
  for (const [openApiPath, item] of Object.entries(document.paths)) {
    if (!isObject(item)) {
      problems.push(`path "${openApiPath}": expected an object of operations`);
      continue;
    }
    const template = openApiPath.replace(/\{([^}]+)\}/g, ':$1');
    for (const [key, operation] of Object.entries(item)) {
      if (IGNORED_KEYS.has(key) || key.startsWith('x-')) continue;
      if (!OPERATION_KEYS.includes(key) || !isObject(operation)) {
        problems.push(`path "${openApiPath}": unknown method "${key}"`);
        continue;
      }
      const tags = Array.isArray(operation.tags) ? operation.tags.filter((t) => typeof t === 'string') : [];
      const firstSegment = template.split('/').find((s) => s !== '' && !/^v\d+$/.test(s) && !s.startsWith(':'));
      const summary = typeof operation.summary === 'string' ? operation.summary.trim() : '';
      const method = key.toUpperCase();
      raw.push({
        resource: (tags[0] as string | undefined) ?? firstSegment ?? 'General',
        method,
        path: template,
        label: summary === '' ? undefined : `${method}: ${summary}`,
        existedAtLegacyCutoff: operation['x-existed-at-legacy-cutoff'] === true,
        deprecated: operation.deprecated === true,
      });
    }
  }
  if (problems.length > 0) {
    throw new AppError('CATALOG_INVALID', `Catalog ${source} is invalid:\n  - ${problems.join('\n  - ')}`, {
      details: problems,
    });
  }
  if (raw.length === 0) throw new AppError('CATALOG_INVALID', `Catalog ${source} is invalid: it has no operations`);
  return { name, endpoints: buildEndpoints(raw, source) };
}
