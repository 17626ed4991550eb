/** What an edit adds to a key's permissions and what it takes away, each sorted. */
export function permissionDiff(
  before: readonly string[],
  after: readonly string[],
): { added: string[]; removed: string[] } {
  const old = new Set(before);
  const next = new Set(after);
  return {
    added: [...next].filter((id) => !old.has(id)).sort(),
    removed: [...old].filter((id) => !next.has(id)).sort(),
  };
}
