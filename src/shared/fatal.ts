import { isAppError } from './errors.ts';

type DriverError = Error & {
  code?: unknown;
  severity?: unknown;
  address?: unknown;
  port?: unknown;
  hostname?: unknown;
};

/**
 * A database failure in words, never as a SQLSTATE or errno code: the server's own sentence when it refused us
 * (`database "x" does not exist`, `password authentication failed for user "x"`), or what the network said
 * (`connection refused at 127.0.0.1:5432`). Undefined for anything that is not a connection or server error.
 */
export function describeDatabaseError(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const e = error as DriverError;
  // The PostgreSQL server's message is already a sentence; its code is for programs.
  if (e.name === 'PostgresError' && typeof e.severity === 'string') return e.message;
  const at =
    typeof e.address === 'string' ? `${e.address}${typeof e.port === 'number' ? `:${e.port}` : ''}` : 'the server';
  switch (e.code) {
    case 'ECONNREFUSED':
      return `connection refused at ${at} (is PostgreSQL running and listening there?)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host ${typeof e.hostname === 'string' ? `"${e.hostname}" ` : ''}not found (check the host name)`;
    case 'ETIMEDOUT':
    case 'CONNECT_TIMEOUT':
      return `no answer from ${at} in time (a firewall, or the wrong host or port?)`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `the connection to ${at} was reset`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no route to ${at}`;
    case 'CONNECTION_CLOSED':
    case 'CONNECTION_ENDED':
    case 'CONNECTION_DESTROYED':
      return `the connection to ${at} was closed`;
    case 'SASL_SIGNATURE_MISMATCH':
      return 'the server could not prove it knows the password (wrong server?)';
    case 'AUTH_TYPE_NOT_IMPLEMENTED':
      return 'the server asks for an authentication method this client does not support';
    default:
      return undefined;
  }
}

/** Failures that are the environment's, not a bug: one line is enough, no stack. */
export function isExpectedFailure(error: unknown): boolean {
  return (
    isAppError(error) || (describeDatabaseError(error) !== undefined && (error as DriverError).name !== 'PostgresError')
  );
}

/** One clear line for expected failures (bad config, unreachable database); a stack only for real bugs. */
export function describeFatal(error: unknown): string {
  if (isAppError(error)) return error.message;
  const database = describeDatabaseError(error);
  if (database !== undefined) return `PostgreSQL: ${database}`;
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${describeDatabaseError(error.cause) ?? error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
