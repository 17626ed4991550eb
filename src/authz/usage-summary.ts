/** How much a key is used, for people deciding whether changing or revoking it will break an integration. */
export interface UsageSummary {
  lastUsedAt: Date | null;
  allowedLast7Days: number;
  deniedLast7Days: number;
}

/** Reads what `/authz` recorded, as of its last flush; implemented in `src/db/usage-store.ts`. */
export interface UsageReader {
  summary(keyId: string): Promise<UsageSummary>;
}
