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
}

export interface Catalog {
  /** Shown as "API type" in the create dialog. */
  name: string;
  endpoints: readonly Endpoint[];
  byId: ReadonlyMap<string, Endpoint>;
  /** Resource groups in catalog order, each with its endpoints. */
  groups: ReadonlyArray<{ resource: string; endpoints: readonly Endpoint[] }>;
  /** Endpoints a legacy key may call without explicit grants. */
  legacyEndpointIds: ReadonlySet<string>;
  match(method: string, path: string): Endpoint | undefined;
}

export function endpointId(method: string, path: string): string {
  return `${method} ${path}`;
}
