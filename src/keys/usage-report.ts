/** What one key did on one endpoint over a window, as `/authz` recorded it (counted per UTC day). */
export interface EndpointUsage {
  /** The catalog endpoint's id; `-` for targets outside the catalog. */
  endpointId: string;
  allowed: number;
  denied: number;
  /** The last UTC day (YYYY-MM-DD) with a request, allowed or denied. */
  lastDay: string;
  /** The last UTC day with an allowed request; null: every request was denied. */
  lastAllowedDay: string | null;
}

/** Reads the per-endpoint counts; implemented in `src/db/usage-store.ts`. */
export interface EndpointUsageReader {
  /** The key's endpoints with at least one request from `since` (a UTC day, inclusive) on, in no particular order. */
  byEndpoint(keyId: string, since: string): Promise<EndpointUsage[]>;
}
