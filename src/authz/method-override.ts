import type { AuthzRequest } from './authz-exchange.ts';

/**
 * Method overrides: many frameworks run the method named by `X-HTTP-Method-Override`, `X-Method-Override`,
 * `X-HTTP-Method` or a `_method` query parameter instead of the request's own. /authz judges the request's own method,
 * so a GET naming DELETE would be allowed as a GET and run as a DELETE behind the gateway. Any override that names
 * another method than the judged one is therefore refused; one naming the same method (HEAD counts as GET) is harmless.
 *
 * Read broadly, because the framework behind the gateway decides what counts: header names in any case and with `_`
 * for `-` (CGI-style servers map both to the same variable), repeated headers and comma-joined values (every element
 * must name the judged method), query parameter names percent-encoded (even twice), in any case, with `+`
 * for a space, PHP-style `[]`, `.` or a leading space, `&` or `;` between parameters, and the query of every URI the
 * request carries (any convention). An empty or unreadable value is refused too: failing closed costs nothing here.
 */
export function overridesMethod(req: AuthzRequest, judgedMethod: string): boolean {
  // rawHeaders rather than req.headers: faster to walk on the hot path, and each repeated header is there on its own.
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    // A precompiled test (no allocation) of names that could be one; most names fail on length or on the letters
    // the pattern starts with (`x`, then `h` or `m` after the separator: X-Original-URI and friends never get to it).
    if (name.length < 13 || (name.charCodeAt(0) | 32) !== 120 /* x */) continue;
    const third = name.charCodeAt(2) | 32;
    if ((third !== 104 /* h */ && third !== 109) /* m */ || !OVERRIDE_HEADER.test(name)) continue;
    const judged = normalMethod(judgedMethod);
    for (const element of (raw[i + 1] as string).split(','))
      if (normalMethod(element.replace(OWS, '')) !== judged) return true;
  }
  const headers = req.headers;
  return (
    queryOverrides(req.url, judgedMethod) ||
    queryOverrides(single(headers['x-original-uri']), judgedMethod) ||
    queryOverrides(single(headers['x-forwarded-uri']), judgedMethod)
  );
}

/** X-HTTP-Method-Override, X-Method-Override and X-HTTP-Method, in any case, with `_` or `-` between the words. */
const OVERRIDE_HEADER = /^x[-_](?:http[-_]method(?:[-_]override)?|method[-_]override)$/i;
/** Parameter names by their letters alone: `_method`, `_HttpMethod` (Salesforce) and the header names as parameters. */
const OVERRIDE_PARAMS = new Set([
  'method',
  'httpmethod',
  'methodoverride',
  'httpmethodoverride',
  'xmethodoverride',
  'xhttpmethod',
  'xhttpmethodoverride',
]);
const OWS = /^[ \t]+|[ \t]+$/g;
const NOT_LETTERS = /[^a-z]/g;
const PARAM_SEPARATORS = /[&;]/;
const PERCENT_ESCAPE = /%([0-9a-fA-F]{2})/g;
const PLUS = /\+/g;
const MAY_NAME_METHOD = /method|%/i;

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

function normalMethod(method: string): string {
  const upper = method.toUpperCase();
  return upper === 'HEAD' ? 'GET' : upper;
}

/** Whether the URI's query has an override parameter naming another method than `judgedMethod`. */
function queryOverrides(uri: string | undefined, judgedMethod: string): boolean {
  if (uri === undefined) return false;
  const start = uri.indexOf('?');
  // Nothing is parsed (and nothing allocated) unless the URI could spell "method", plainly or percent-encoded.
  if (start === -1 || !MAY_NAME_METHOD.test(uri)) return false;
  const judged = normalMethod(judgedMethod);
  for (const parameter of uri.slice(start + 1).split(PARAM_SEPARATORS)) {
    const equals = parameter.indexOf('=');
    const name = decode(equals === -1 ? parameter : parameter.slice(0, equals)).toLowerCase();
    // A plain `method` is an ordinary parameter name in some APIs; `_method`, `%5Fmethod`, `.method`... are overrides.
    const letters = name.replace(NOT_LETTERS, '');
    if (!OVERRIDE_PARAMS.has(letters) || name === 'method') continue;
    const value = equals === -1 ? '' : decode(parameter.slice(equals + 1));
    if (normalMethod(value.replace(OWS, '')) !== judged) return true;
  }
  return false;
}

/** Form decoding (`+` is a space), repeated so that a doubly encoded `%255F` is still seen; bad escapes stay as typed. */
function decode(text: string): string {
  let current = text.replace(PLUS, ' ');
  for (let round = 0; round < 3 && current.includes('%'); round++) {
    const next = current.replace(PERCENT_ESCAPE, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    if (next === current) break;
    current = next;
  }
  return current;
}
