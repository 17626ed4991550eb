/**
 * Whether `value`'s first `length` characters are `lower` in any ASCII case, without a lower-cased copy (header names
 * and auth schemes on the /authz hot path). `lower` must be lower case.
 */
export function equalsIgnoringAsciiCase(value: string, length: number, lower: string): boolean {
  if (length !== lower.length) return false;
  for (let i = 0; i < length; i++) {
    const code = value.charCodeAt(i);
    if ((code >= 65 && code <= 90 ? code + 32 : code) !== lower.charCodeAt(i)) return false;
  }
  return true;
}
