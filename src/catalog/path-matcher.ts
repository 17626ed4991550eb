import { compileShape, defaultShape } from './param-shapes.ts';
import { AMBIGUOUS_TARGET, type AmbiguousTarget, type Endpoint } from './types.ts';

/** A compiled parameter shape: the segment at `index` must pass `test`. */
interface Check {
  index: number;
  test: (value: string) => boolean;
}

interface Node {
  endpoint: Endpoint | undefined;
  /** The endpoint's parameter shapes, compiled when the catalog is loaded. */
  checks: readonly Check[];
  statics: Map<string, Node>;
  param: Node | undefined;
  /**
   * Lower-cased static segments, kept only where a parameter sits beside them: `/users/ME` would be the parameter
   * here but `/users/me` to a case-insensitive upstream.
   */
  folded: Set<string> | undefined;
}

const newNode = (): Node => ({
  endpoint: undefined,
  checks: [],
  statics: new Map(),
  param: undefined,
  folded: undefined,
});

/**
 * A segment trie per method. Static segments win over parameters (`/v1/users/me` beats `/v1/users/:id`), with
 * backtracking so `/v1/users/me/keys` can still fall through to `/v1/users/:id/keys` when only that exists. The
 * endpoint found must then have every parameter in its declared shape, or the target is ambiguous.
 */
export class PathMatcher {
  private readonly roots = new Map<string, Node>();

  add(endpoint: Endpoint): void {
    let node = this.roots.get(endpoint.method);
    if (node === undefined) {
      node = newNode();
      this.roots.set(endpoint.method, node);
    }
    const checks: Check[] = [];
    templateSegments(endpoint.path).forEach((segment, index) => {
      const current = node as Node;
      if (segment.startsWith(':')) {
        current.param ??= newNode();
        node = current.param;
        const name = segment.slice(1);
        const declared =
          endpoint.params !== undefined && Object.hasOwn(endpoint.params, name) ? endpoint.params[name] : undefined;
        checks.push({ index, test: compileShape(declared ?? defaultShape(name)) });
      } else {
        let next = current.statics.get(segment);
        if (next === undefined) {
          next = newNode();
          current.statics.set(segment, next);
        }
        node = next;
      }
      if (current.param !== undefined && current.statics.size > 0)
        current.folded = new Set([...current.statics.keys()].map((s) => s.toLowerCase()));
    });
    node.endpoint = endpoint;
    node.checks = checks;
  }

  /** `segments` come from `normalizeRequestPath`; they are already decoded and free of empty or dot segments. */
  match(method: string, segments: readonly string[]): Endpoint | AmbiguousTarget | undefined {
    const root = this.roots.get(method);
    if (root === undefined) return undefined;
    const found = walk(root, segments, 0);
    if (found === undefined || found === AMBIGUOUS_TARGET) return found;
    const checks = found.checks;
    for (let i = 0; i < checks.length; i++) {
      const check = checks[i] as Check;
      if (!check.test(segments[check.index] as string)) return AMBIGUOUS_TARGET;
    }
    return found.endpoint;
  }
}

function walk(node: Node, segments: readonly string[], index: number): Node | AmbiguousTarget | undefined {
  if (index === segments.length) return node.endpoint === undefined ? undefined : node;
  const segment = segments[index] as string;
  const exact = node.statics.get(segment);
  if (exact !== undefined) {
    const found = walk(exact, segments, index + 1);
    if (found !== undefined) return found;
  }
  if (node.param === undefined) return undefined;
  if (node.folded !== undefined && exact === undefined && node.folded.has(segment.toLowerCase()))
    return AMBIGUOUS_TARGET;
  return walk(node.param, segments, index + 1);
}

export function templateSegments(template: string): string[] {
  return template.split('/').slice(1);
}

const MAX_PATH_LENGTH = 2048;
/** `http://host/path`: a plain host name or address and port, no user info. */
const ABSOLUTE_FORM = /^https?:\/\/[A-Za-z0-9.:[\]-]+(\/.*)?$/i;
/**
 * Anything in an unencoded path that needs the per-segment rule: an empty segment (also a second trailing slash),
 * a segment ending in a dot (`.`, `..`, `a.`), and the characters `SEGMENT_UNSAFE` refuses.
 */
const UNSAFE_PLAIN = /\/\/|\/$|\.(?:\/|$)|[^!-~]|[\\;]/;
/**
 * A decoded segment must be printable ASCII without space, and hold nothing an upstream might strip, decode again
 * or split on: `;` (servlet path parameters), `%` (from `%25`: double decoding), `/`, `\`, `?` and `#`. A trailing
 * dot is trimmed by some servers (and `.`/`..` are dot segments). Non-ASCII is refused outright: Unicode
 * normalisation (fullwidth `．` is `.`) and Latin-1 versus UTF-8 decoding make it read differently.
 */
const SEGMENT_UNSAFE = /[^!-~]|[\\/;%?#]|\.$/;

/**
 * Turns a request target into decoded path segments, or `undefined` when it is ambiguous: some upstream might route
 * it differently from us (resolve `..`, strip `;…`, decode twice, normalise Unicode, cut at `#`), so it fails
 * closed. The query string is ignored and one trailing slash is tolerated (`/v1/users/` is `/v1/users`).
 */
export function normalizeRequestPath(target: string): string[] | undefined {
  if (target.length === 0 || target.length > MAX_PATH_LENGTH) return undefined;
  // A fragment is never sent by a client: some servers cut there, some keep it as part of the path.
  if (target.includes('#')) return undefined;
  const cut = target.indexOf('?');
  let path = cut === -1 ? target : target.slice(0, cut);
  if (path.charCodeAt(0) !== 47 /* / */) {
    // Absolute-form targets (`http://host/path`) are legal in HTTP/1.1 request lines.
    const absolute = ABSOLUTE_FORM.exec(path);
    if (absolute === null) return undefined;
    path = absolute[1] ?? '/';
  }
  if (path === '/') return [];
  if (path.endsWith('/')) path = path.slice(0, -1);
  // The common case on the hot path: nothing encoded, nothing unsafe, one scan instead of one per segment.
  if (!path.includes('%') && !UNSAFE_PLAIN.test(path)) return path.slice(1).split('/');
  const segments: string[] = [];
  for (const piece of path.slice(1).split('/')) {
    if (piece === '') return undefined;
    let decoded: string;
    try {
      decoded = decodeURIComponent(piece);
    } catch {
      return undefined;
    }
    if (SEGMENT_UNSAFE.test(decoded)) return undefined;
    segments.push(decoded);
  }
  return segments;
}
