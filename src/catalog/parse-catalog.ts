import { z } from 'zod';
import { AppError } from '../shared/errors.ts';
import {
  defaultShape,
  type ParamShape,
  paramsDeclarationSchema,
  shapeFromDeclaration,
  shapeProblem,
} from './param-shapes.ts';
import { HTTP_METHODS, endpointId, type Endpoint, type HttpMethod } from './types.ts';

const TEMPLATE = /^(\/([A-Za-z0-9_\-.~]+|:[A-Za-z_][A-Za-z0-9_]*))+$/;

const entrySchema = z.object({
  resource: z.string().trim().min(1).max(100),
  method: z.string(),
  path: z.string(),
  label: z.string().trim().min(1).max(200).optional(),
  first_documented: z.iso.date().optional(),
  existed_at_legacy_cutoff: z.boolean().optional(),
  status: z.enum(['current', 'deprecated']).optional(),
  params: paramsDeclarationSchema.optional(),
});

export const catalogFileSchema = z.object({
  api: z.string().trim().min(1).max(40),
  /** Parameter shapes by name for every endpoint; an endpoint's own `params` win. */
  params: paramsDeclarationSchema.optional(),
  endpoints: z.array(z.unknown()).min(1),
});

export interface RawEndpoint {
  resource: string;
  method: string;
  path: string;
  label?: string | undefined;
  firstDocumented?: string | undefined;
  existedAtLegacyCutoff?: boolean | undefined;
  deprecated?: boolean | undefined;
  /** Declared shapes by parameter name; an undeclared parameter gets `defaultShape(name)`. */
  params?: Readonly<Record<string, ParamShape>> | undefined;
}

/** Validates raw entries from any catalog format; every bad entry is named so the operator can fix the file. */
export function buildEndpoints(raw: readonly RawEndpoint[], source: string): Endpoint[] {
  const problems: string[] = [];
  const seenShapes = new Map<string, string>();
  const endpoints: Endpoint[] = [];
  raw.forEach((entry, index) => {
    const where = `entry ${index + 1} (${entry.method} ${entry.path})`;
    const method = entry.method.toUpperCase();
    if (!(HTTP_METHODS as readonly string[]).includes(method)) {
      problems.push(`${where}: unknown method "${entry.method}" (expected one of ${HTTP_METHODS.join(', ')})`);
      return;
    }
    if (!TEMPLATE.test(entry.path)) {
      problems.push(`${where}: bad path template "${entry.path}" (expected /segment/:param/...)`);
      return;
    }
    const params = entry.path.split('/').filter((s) => s.startsWith(':'));
    if (new Set(params).size !== params.length) {
      problems.push(`${where}: repeated parameter name in "${entry.path}"`);
      return;
    }
    const shapes: Record<string, ParamShape> = Object.create(null);
    let badShape = false;
    for (const param of params) {
      const name = param.slice(1);
      const shape = (Object.hasOwn(entry.params ?? {}, name) ? entry.params?.[name] : undefined) ?? defaultShape(name);
      const problem = shapeProblem(shape);
      if (problem !== undefined) {
        problems.push(`${where}: parameter ${param}: ${problem}`);
        badShape = true;
      }
      shapes[name] = shape;
    }
    if (badShape) return;
    // `/a/:id` and `/a/:x` are the same route to a gateway: the parameter names do not matter.
    const shape = `${method} ${entry.path.replace(/:[A-Za-z_][A-Za-z0-9_]*/g, ':')}`;
    const clash = seenShapes.get(shape);
    if (clash !== undefined) {
      problems.push(`${where}: duplicate endpoint (same route as ${clash})`);
      return;
    }
    seenShapes.set(shape, where);
    endpoints.push({
      id: endpointId(method, entry.path),
      method: method as HttpMethod,
      path: entry.path,
      resource: entry.resource,
      label: entry.label ?? `${method}: ${entry.path}`,
      firstDocumented: entry.firstDocumented,
      existedAtLegacyCutoff: entry.existedAtLegacyCutoff ?? false,
      deprecated: entry.deprecated ?? false,
      params: shapes,
    });
  });
  if (problems.length > 0) {
    throw new AppError('CATALOG_INVALID', `Catalog ${source} is invalid:\n  - ${problems.join('\n  - ')}`, {
      details: problems,
    });
  }
  return endpoints;
}

/** The project's own JSON shape (the one `harvest.json` ships in). */
export function parseCatalogJson(document: unknown, source: string): { name: string; endpoints: Endpoint[] } {
  const top = catalogFileSchema.safeParse(document);
  if (!top.success) {
    throw new AppError(
      'CATALOG_INVALID',
      `Catalog ${source} is invalid: ${top.error.issues.map((i) => `${i.path.join('.') || 'document'}: ${i.message}`).join('; ')}`,
    );
  }
  const problems: string[] = [];
  const raw: RawEndpoint[] = [];
  const shared = declaredShapes(top.data.params);
  top.data.endpoints.forEach((item, index) => {
    const entry = entrySchema.safeParse(item);
    if (!entry.success) {
      const fields = entry.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      problems.push(`entry ${index + 1}: ${fields}`);
      return;
    }
    raw.push({
      resource: entry.data.resource,
      method: entry.data.method,
      path: entry.data.path,
      label: entry.data.label,
      firstDocumented: entry.data.first_documented,
      existedAtLegacyCutoff: entry.data.existed_at_legacy_cutoff,
      deprecated: entry.data.status === 'deprecated',
      params: { ...shared, ...declaredShapes(entry.data.params) },
    });
  });
  if (problems.length > 0) {
    throw new AppError('CATALOG_INVALID', `Catalog ${source} is invalid:\n  - ${problems.join('\n  - ')}`, {
      details: problems,
    });
  }
  return { name: top.data.api, endpoints: buildEndpoints(raw, source) };
}

function declaredShapes(declared: z.infer<typeof paramsDeclarationSchema> | undefined): Record<string, ParamShape> {
  const shapes: Record<string, ParamShape> = Object.create(null);
  for (const [name, shape] of Object.entries(declared ?? {})) shapes[name] = shapeFromDeclaration(shape);
  return shapes;
}
