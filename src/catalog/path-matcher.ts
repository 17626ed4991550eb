import type { Endpoint } from './types.ts';

interface Node {
  endpoint: Endpoint | undefined;
  statics: Map<string, Node>;
  param: Node | undefined;
}

const newNode = (): Node => ({ endpoint: undefined, statics: new Map(), param: undefined });

/**
 * A segment trie per method. Static segments win over parameters (`/v1/users/me` beats `/v1/users/:id`), with
 * backtracking so `/v1/users/me/keys` can still fall through to `/v1/users/:id/keys` when only that exists.
 */
export class PathMatcher {
  private readonly roots = new Map<string, Node>();

  add(endpoint: Endpoint): void {
    let node = this.roots.get(endpoint.method);
    if (node === undefined) {
      node = newNode();
      this.roots.set(endpoint.method, node);
    }
    for (const segment of templateSegments(endpoint.path)) {
      if (segment.startsWith(':')) {
        node.param ??= newNode();
        node = node.param;
      } else {
        let next = node.statics.get(segment);
        if (next === undefined) {
          next = newNode();
          node.statics.set(segment, next);
        }
        node = next;
      }
    }
    node.endpoint = endpoint;
  }

  /** `segments` come from `normalizeRequestPath`; they are already decoded and free of empty or dot segments. */
  match(method: string, segments: readonly string[]): Endpoint | undefined {
    const root = this.roots.get(method);
    return root === undefined ? undefined : walk(root, segments, 0);
  }
}

function walk(node: Node, segments: readonly string[], index: number): Endpoint | undefined {
  if (index === segments.length) return node.endpoint;
  const segment = segments[index] as string;
  const exact = node.statics.get(segment);
  if (exact !== undefined) {
    const found = walk(exact, segments, index + 1);
    if (found !== undefined) return found;
  }
  return node.param === undefined ? undefined : walk(node.param, segments, index + 1);
}

export function templateSegments(template: string): string[] {
  return template.split('/').slice(1);
}

const MAX_PATH_LENGTH = 2048;
/** An empty or dot segment, a backslash or a control character anywhere in an unencoded path. */
const UNSAFE_PLAIN = /\/\/|\/\.\.?(\/|$)|[\\\u0000-\u001f\u007f]/;

/**
 * Turns a request target into path segments, or `undefined` when the path is ambiguous. Ambiguity fails closed:
 * the upstream might resolve `..`, `//` or an encoded slash differently from us, so such paths match nothing.
 * The query string is ignored and one trailing slash is tolerated (`/v1/users/` is `/v1/users`).
 */
export function normalizeRequestPath(target: string): string[] | undefined {
  if (target.length === 0 || target.length > MAX_PATH_LENGTH) return undefined;
  let pathOnly = target;
  const cut = pathOnly.search(/[?#]/);
  if (cut !== -1) pathOnly = pathOnly.slice(0, cut);
  if (!pathOnly.startsWith('/')) {
    // Absolute-form targets (`http://host/path`) are legal in HTTP/1.1 request lines.
    const absolute = /^https?:\/\/[^/]+(\/.*)?$/i.exec(pathOnly);
    if (absolute === null) return undefined;
    pathOnly = absolute[1] ?? '/';
  }
  if (pathOnly.length > 1 && pathOnly.endsWith('/')) pathOnly = pathOnly.slice(0, -1);
  // The common case on the hot path: nothing encoded, nothing to resolve, one scan instead of one per segment.
  if (!pathOnly.includes('%') && !pathOnly.endsWith('/') && !UNSAFE_PLAIN.test(pathOnly)) return pathOnly.slice(1).split('/');
  const raw = pathOnly.split('/').slice(1);
  const segments: string[] = [];
  for (const piece of raw) {
    if (piece === '') return undefined;
    let decoded: string;
    try {
      decoded = decodeURIComponent(piece);
    } catch {
      return undefined;
    }
    if (decoded === '.' || decoded === '..' || /[/\\\u0000-\u001f\u007f]/.test(decoded)) return undefined;
    segments.push(decoded);
  }
  return segments;
}
