import { AppError } from '../shared/errors.ts';
import { DEFAULT_TOKEN_LENGTH, MAX_PARAM_LENGTH, type ParamShape } from './param-shapes.ts';
import { buildEndpoints, type RawEndpoint } from './parse-catalog.ts';
import type { Endpoint } from './types.ts';

const OPERATION_KEYS = ['get', 'post', 'put', 'patch', 'delete'];
const IGNORED_KEYS = new Set(['parameters', 'summary', 'description', 'servers', '$ref', 'head', 'options', 'trace']);

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

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
    const pathShapes = pathParamShapes(document, item.parameters, openApiPath, problems);
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
        params: {
          ...pathShapes,
          ...pathParamShapes(document, operation.parameters, `${key} ${openApiPath}`, problems),
        },
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

/**
 * Shapes of the `in: path` parameters (an operation's own override the path item's): `integer` is a positive
 * integer (or ≥ 0 with `minimum: 0`), `number` a plain decimal, `enum` its values, `string` with `pattern` that
 * pattern (anchored) within `maxLength` (at most 256), a plain `string` a URL-safe token. Local `$ref`s
 * (`#/components/...`) are followed; an undescribed parameter keeps the default its name gives.
 */
function pathParamShapes(
  document: Json,
  parameters: unknown,
  where: string,
  problems: string[],
): Record<string, ParamShape> {
  const shapes: Record<string, ParamShape> = Object.create(null);
  if (!Array.isArray(parameters)) return shapes;
  for (const entry of parameters) {
    const parameter = resolveRef(document, entry);
    if (!isObject(parameter) || parameter.in !== 'path' || typeof parameter.name !== 'string') continue;
    const schema = resolveRef(document, parameter.schema);
    if (!isObject(schema)) continue;
    const shape = shapeOfSchema(schema);
    if (typeof shape === 'string') problems.push(`${where}: path parameter "${parameter.name}": ${shape}`);
    else if (shape !== undefined) shapes[parameter.name] = shape;
  }
  return shapes;
}

function shapeOfSchema(schema: Json): ParamShape | string | undefined {
  if (Array.isArray(schema.enum)) {
    const values = schema.enum
      .filter((v) => typeof v === 'string' || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0))
      .map(String);
    if (values.length !== schema.enum.length || values.length === 0)
      return 'enum values must be strings or non-negative integers';
    return { type: 'enum', values };
  }
  const maxLength =
    typeof schema.maxLength === 'number' && schema.maxLength >= 1
      ? Math.min(Math.floor(schema.maxLength), MAX_PARAM_LENGTH)
      : undefined;
  switch (schema.type) {
    case 'integer':
      return { type: 'integer', minimum: typeof schema.minimum === 'number' && schema.minimum <= 0 ? 0 : 1 };
    case 'number':
      return { type: 'number' };
    case 'string':
      if (typeof schema.pattern === 'string')
        return { type: 'string', pattern: schema.pattern, maxLength: maxLength ?? MAX_PARAM_LENGTH };
      return { type: 'string', maxLength: maxLength ?? DEFAULT_TOKEN_LENGTH };
    default:
      return undefined;
  }
}

/** Follows a local `$ref` (`#/components/parameters/Id`), a few levels deep at most. */
function resolveRef(document: Json, value: unknown, depth = 0): unknown {
  if (!isObject(value) || typeof value.$ref !== 'string') return value;
  if (depth > 5 || !value.$ref.startsWith('#/')) return undefined;
  let node: unknown = document;
  for (const part of value.$ref.slice(2).split('/')) {
    const key = part.replaceAll('~1', '/').replaceAll('~0', '~');
    node = isObject(node) && Object.hasOwn(node, key) ? node[key] : undefined;
  }
  return resolveRef(document, node, depth + 1);
}
