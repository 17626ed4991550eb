/** A mistake in how the command was typed: exit code 2, with the usage line. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * A word the operator typed, quoted back only when it looks like a command or option name: anything else may be a
 * key pasted in the wrong place, and error messages never repeat a secret.
 */
export function echo(token: string): string {
  // Keys are at least 16 characters; every command and option name is shorter and made of words.
  return /^-{0,2}[a-z]+(-[a-z]+)*$/i.test(token) && token.replace(/^-+/, '').length < 16
    ? `"${token}"`
    : '(not shown: it may be a key)';
}
