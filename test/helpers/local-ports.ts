/**
 * A port for a server a test starts itself (an embedded PostgreSQL). Below Linux's ephemeral range (32768–60999 by
 * default): a port picked inside it can be taken at any moment by an outgoing connection's local end, and the
 * server then fails to start.
 */
export function unusedLocalPort(): number {
  return 20_000 + Math.floor(Math.random() * 12_000);
}
