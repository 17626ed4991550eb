import { AppError } from './errors.ts';

/**
 * A typed reason (a revocation's, an approver's): trimmed, blank as none; refused when longer than 500 characters or
 * holding a NUL.
 */
export function optionalReason(given: string | undefined): string | null {
  const reason = given?.trim() || null;
  if (reason !== null && reason.length > 500)
    throw new AppError('REASON_INVALID', 'Reason is too long: at most 500 characters', {
      field: 'reason',
      facts: { problem: 'too_long', max: 500 },
    });
  // PostgreSQL text cannot hold NUL: refused here in words rather than as a failed query.
  if (reason?.includes('\u0000'))
    throw new AppError('REASON_INVALID', 'Reason contains a NUL character: type it again as plain text', {
      field: 'reason',
      facts: { problem: 'nul' },
    });
  return reason;
}
