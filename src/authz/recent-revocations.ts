/**
 * Tokens this instance revoked itself, until the key change that carries the revocation to every instance (this one
 * included) has been applied: a client that revokes a token and uses it at once is refused here too.
 */
export class RecentRevocations {
  private readonly until = new Map<string, number>();

  add(jti: string, expiresAtMs: number, nowMs: number): void {
    if (this.until.size >= 10_000) for (const [id, at] of this.until) if (at <= nowMs) this.until.delete(id);
    this.until.set(jti, expiresAtMs);
  }

  has(jti: string): boolean {
    return this.until.size !== 0 && this.until.has(jti);
  }
}
