import type { AppError } from '../../shared/errors.ts';
import { escapeMrkdwn } from './escape.ts';

/**
 * The one place an expected failure becomes words in Slack: escaped mrkdwn for a message or notice. Listeners never
 * read `error.message` themselves.
 */
export function errorText(error: AppError, _context: { command: string }): string {
  return escapeMrkdwn(error.message);
}

/** The same, as plain text for a modal's field error (Slack shows those unformatted). */
export function errorFieldText(error: AppError, _context: { command: string }): string {
  return error.message;
}
