import type { ParamShape } from './param-shapes.ts';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface Endpoint {
  /** Stable identity used in grants: `METHOD /path/:template`, e.g. `GET /v1/candidates/:id`. */
  id: string;
  method: HttpMethod;
  path: string;
  resource: string;
  /** As the Dev Center shows it, e.g. `GET: List Candidates`. */
  label: string;
  firstDocumented: string | undefined;
  existedAtLegacyCutoff: boolean;
  deprecated: boolean;
  /**
   * The shape of each path parameter, by name (declared, or derived from the name). The catalog loaders always set
   * it; where it is missing (an endpoint built by hand) a parameter gets the default its name gives.
   */
  params?: Readonly<Record<string, ParamShape>> | undefined;
}

/** A target two upstreams could route differently (see `normalizeRequestPath` and the parameter shapes). */
export const AMBIGUOUS_TARGET = 'ambiguous_target';
export type AmbiguousTarget = typeof AMBIGUOUS_TARGET;

export interface Catalog {
  /** Shown as "API type" in the create dialog. */
  name: string;
  endpoints: readonly Endpoint[];
  byId: ReadonlyMap<string, Endpoint>;
  /** Resource groups in catalog order, each with its endpoints. */
  groups: ReadonlyArray<{ resource: string; endpoints: readonly Endpoint[] }>;
  /** Endpoints a legacy key may call without explicit grants. */
  legacyEndpointIds: ReadonlySet<string>;
  /** The endpoint a request calls; `undefined` when none does or the target is ambiguous. */
  match(method: string, path: string): Endpoint | undefined;
  /** As `match`, but tells an ambiguous target apart from one outside the catalog. */
  route(method: string, path: string): Endpoint | AmbiguousTarget | undefined;
}

export function endpointId(method: string, path: string): string {
  return `${method} ${path}`;
}
