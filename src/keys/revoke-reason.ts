/**
 * A revocation because the secret may be in someone else's hands (Slack's "Lost or possibly leaked", or a reason typed
 * in the CLI such as "lost", "leaked", "compromised"). Re-enabling such a key hands access back to whoever has it.
 */
export function revokedAsLost(reason: string | null): boolean {
  return reason !== null && /\b(lost|leak(ed|s)?|compromised?|stolen|exposed)\b/i.test(reason);
}
