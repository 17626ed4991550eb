import { z } from 'zod';

/**
 * What a path parameter may hold. A value outside its shape is refused (`ambiguous_target`) instead of being passed
 * on: upstreams read odd values differently (Rails turns `1abc` and `1.json` into id 1, Java overflows past 2^63,
 * some parse `007` as 7 and some look up "007"), so only the one spelling every upstream reads alike is allowed.
 */
export type ParamShape =
  /** Canonical decimal: no sign, no leading zero, no exponent, at most 2^63 − 1 (a signed 64-bit id). */
  | { type: 'integer'; minimum: 0 | 1 }
  /** Canonical decimal with an optional fraction: `0`, `12`, `1.5`; no sign, exponent or leading zero. */
  | { type: 'number' }
  | { type: 'enum'; values: readonly string[] }
  /** `[A-Za-z0-9_-]`, or an operator's pattern (anchored), at most `maxLength` characters either way. */
  | { type: 'string'; pattern?: string | undefined; maxLength: number };

export const MAX_PARAM_LENGTH = 256;
export const DEFAULT_TOKEN_LENGTH = 128;
const MAX_PATTERN_LENGTH = 200;
const MAX_ENUM_VALUES = 200;
/** Characters an enum value may use: ones no upstream decodes, strips or folds. */
const ENUM_VALUE = /^[A-Za-z0-9_~-](?:[A-Za-z0-9_.~-]{0,126}[A-Za-z0-9_~-])?$/;

/** The `params` declaration of the project's JSON catalog format (per catalog or per endpoint). */
export const paramShapeSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('integer'), minimum: z.union([z.literal(0), z.literal(1)]).optional() }).strict(),
  z.object({ type: z.literal('number') }).strict(),
  z.object({ type: z.literal('enum'), values: z.array(z.string()).min(1).max(MAX_ENUM_VALUES) }).strict(),
  z
    .object({
      type: z.literal('string'),
      pattern: z.string().min(1).max(MAX_PATTERN_LENGTH).optional(),
      max_length: z.number().int().min(1).max(MAX_PARAM_LENGTH).optional(),
    })
    .strict(),
]);
export const paramsDeclarationSchema = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), paramShapeSchema);
export type ParamShapeDeclaration = z.infer<typeof paramShapeSchema>;

export function shapeFromDeclaration(declared: ParamShapeDeclaration): ParamShape {
  switch (declared.type) {
    case 'integer':
      return { type: 'integer', minimum: declared.minimum ?? 1 };
    case 'number':
      return { type: 'number' };
    case 'enum':
      return { type: 'enum', values: declared.values };
    case 'string':
      return {
        type: 'string',
        pattern: declared.pattern,
        maxLength: declared.max_length ?? (declared.pattern === undefined ? DEFAULT_TOKEN_LENGTH : MAX_PARAM_LENGTH),
      };
  }
}

/**
 * The shape of an undeclared parameter, from its name: `id`, `…_id` and `…Id` are ids (positive integers); anything
 * else is a URL-safe token. Declare a shape to allow more.
 */
export function defaultShape(name: string): ParamShape {
  if (name === 'id' || name.endsWith('_id') || /[a-z0-9]Id$/.test(name)) return { type: 'integer', minimum: 1 };
  return { type: 'string', maxLength: DEFAULT_TOKEN_LENGTH };
}

/** Why a shape cannot be used, or `undefined` when it is fine. Run at catalog load, never per request. */
export function shapeProblem(shape: ParamShape): string | undefined {
  if (shape.type === 'enum') {
    const bad = shape.values.find((v) => !ENUM_VALUE.test(v));
    if (bad !== undefined)
      return `enum value ${JSON.stringify(bad)} is not a plain URL-safe word (letters, digits, _ - . ~; no trailing dot)`;
    if (new Set(shape.values).size !== shape.values.length) return 'enum has repeated values';
    return undefined;
  }
  if (shape.type === 'string' && shape.pattern !== undefined) return patternProblem(shape.pattern);
  return undefined;
}

/**
 * Operator-supplied patterns run on every request, so they are held to a subset whose backtracking is bounded
 * (together with the value's length bound): no backreferences or lookaround, no repeated group (`(a+)+`; an optional one, `(…)?`, is fine), at most
 * two unbounded quantifiers and three alternatives. `enum` covers the lists of words alternation is mostly used for.
 */
export function patternProblem(pattern: string): string | undefined {
  if (pattern.length > MAX_PATTERN_LENGTH) return `pattern is longer than ${MAX_PATTERN_LENGTH} characters`;
  try {
    // Alone first: an unbalanced `)` would otherwise close the anchoring group and escape it.
    new RegExp(pattern);
  } catch (error) {
    return `pattern is not a valid regular expression: ${(error as Error).message}`;
  }
  let quantifiers = 0;
  let alternatives = 0;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    const next = pattern[i + 1];
    if (c === '\\') {
      if (!inClass && next !== undefined && (/[1-9]/.test(next) || (next === 'k' && pattern[i + 2] === '<')))
        return 'pattern uses a backreference';
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (
      c === '(' &&
      next === '?' &&
      (pattern[i + 2] === '=' ||
        pattern[i + 2] === '!' ||
        (pattern[i + 2] === '<' && (pattern[i + 3] === '=' || pattern[i + 3] === '!')))
    ) {
      return 'pattern uses lookaround';
    } else if (c === ')' && next !== undefined && '*+{'.includes(next))
      return 'pattern repeats a group (nested repetition backtracks without bound)';
    else if (c === '|') alternatives++;
    else if (c === '*' || c === '+') quantifiers++;
    else if (c === '{') {
      const range = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
      if (range !== null && range[2] !== undefined && range[3] !== range[1]) quantifiers++;
    }
  }
  if (quantifiers > 2) return 'pattern has more than two unbounded quantifiers (*, +, {m,n})';
  if (alternatives > 3) return 'pattern has more than four alternatives (use an enum)';
  return undefined;
}

const MAX_INT64 = '9223372036854775807';
const TOKEN = /^[A-Za-z0-9_-]+$/;
const NUMBER = /^(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$/;

/** Compiles a shape into the test the matcher runs; called once per endpoint parameter at catalog load. */
export function compileShape(shape: ParamShape): (value: string) => boolean {
  switch (shape.type) {
    case 'integer':
      return shape.minimum === 0 ? (v) => v === '0' || isPositiveInteger(v) : isPositiveInteger;
    case 'number':
      return (v) => v.length <= 40 && NUMBER.test(v);
    case 'enum': {
      const values = new Set(shape.values);
      return (v) => values.has(v);
    }
    case 'string': {
      const max = shape.maxLength;
      if (shape.pattern === undefined) return (v) => v.length <= max && TOKEN.test(v);
      const pattern = new RegExp(`^(?:${shape.pattern})$`);
      return (v) => v.length <= max && pattern.test(v);
    }
  }
}

/** `1` to `9223372036854775807` in canonical decimal, by char codes: this runs for most requests. */
export function isPositiveInteger(value: string): boolean {
  const length = value.length;
  if (length === 0 || length > 19) return false;
  let c = value.charCodeAt(0);
  if (c < 49 || c > 57) return false;
  for (let i = 1; i < length; i++) {
    c = value.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return length < 19 || value <= MAX_INT64;
}
