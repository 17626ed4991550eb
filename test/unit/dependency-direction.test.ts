import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../src');

/**
 * The layers of src/, bottom first. A module imports from its own layer or from one below, never from one above;
 * within a layer the parts may import each other, as long as no two of them do so both ways (no cycle). A part is a
 * top-level folder or a top-level file; a new one must be given a layer here before anything may import it.
 */
const LAYERS: readonly { name: string; parts: readonly string[] }[] = [
  // Leaf utilities that name no domain type: errors, ids, the transaction shape, the clock, the logger.
  { name: 'base', parts: ['shared', 'logger.ts', 'project-root.ts'] },
  { name: 'catalog', parts: ['catalog'] },
  { name: 'domain', parts: ['keys', 'partners', 'roles', 'approvals', 'delivery', 'audit', 'authz', 'webhooks'] },
  // The edges of the process: storage, the listeners, the operator CLI, metrics, and the environment.
  { name: 'adapters', parts: ['db', 'http', 'slack', 'cli', 'observability', 'config.ts', 'config', 'env-file.ts'] },
  { name: 'composition root', parts: ['compose.ts', 'compose', 'main.ts'] },
];

/** Entry points that live inside an adapter's folder but start a process: they stand with the composition root. */
const ENTRY_POINTS: Readonly<Record<string, string>> = {
  'cli/main.ts': 'composition root',
  // One CLI run opens the runtime: the CLI's half of the root (main.ts only adds the process around it).
  'cli/run.ts': 'composition root',
};

/** Below the adapters nothing may depend on Slack, drizzle or the database layer (biome.json says the same). */
const FORBIDDEN = [/^@slack\//, /^drizzle-orm/, /\/slack\//, /\/db\//];
const BELOW_ADAPTERS = ['base', 'catalog', 'domain'];

interface Edge {
  /** The importing file and what it imports, relative to src/. */
  file: string;
  target: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return full.endsWith('.ts') ? [full] : [];
  });
}

/** Every static import, re-export, side-effect import and dynamic import() specifier in a source text. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(
    /(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|(?:^|\n)\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
  ))
    found.push(match[1] ?? match[2] ?? match[3] ?? '');
  return found;
}

const relative = (file: string): string => path.relative(root, file).split(path.sep).join('/');

function readSources(): { file: string; source: string }[] {
  return sourceFiles(root).map((file) => ({ file: relative(file), source: readFileSync(file, 'utf8') }));
}

/** Imports between files of src/ (packages and node: modules left out). */
function importEdges(sources: readonly { file: string; source: string }[]): Edge[] {
  return sources.flatMap(({ file, source }) =>
    specifiers(source)
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => ({
        file,
        target: path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)),
      })),
  );
}

/** The top-level folder or file a module belongs to: `keys/key-service.ts` → `keys`, `compose.ts` → `compose.ts`. */
const partOf = (file: string): string => file.split('/')[0] as string;

function layerOf(file: string): number {
  const entry = ENTRY_POINTS[file];
  const index = LAYERS.findIndex((layer) =>
    entry === undefined ? layer.parts.includes(partOf(file)) : layer.name === entry,
  );
  if (index < 0) throw new Error(`src/${file}: ${partOf(file)} has no layer; add it to LAYERS in this test`);
  return index;
}

/** Imports that reach up a layer, each as `file (layer) imports target (layer)`. */
function layerViolations(edges: readonly Edge[]): string[] {
  return edges
    .filter((edge) => layerOf(edge.target) > layerOf(edge.file))
    .map(
      (edge) =>
        `${edge.file} (${LAYERS[layerOf(edge.file)]?.name}) imports ${edge.target} (${LAYERS[layerOf(edge.target)]?.name})`,
    );
}

/**
 * Cycles between top-level parts, each as its path (`keys → partners → keys`) with one import that makes each step.
 * Each strongly connected group of parts is reported once, by one cycle through it.
 */
function folderCycles(edges: readonly Edge[]): string[] {
  const graph = new Map<string, Map<string, Edge>>();
  for (const edge of edges) {
    const from = partOf(edge.file);
    const to = partOf(edge.target);
    if (from === to) continue;
    const out = graph.get(from) ?? new Map<string, Edge>();
    if (!out.has(to)) out.set(to, edge);
    graph.set(from, out);
  }
  const reported = new Set<string>();
  const cycles: string[] = [];
  for (const start of [...graph.keys()].sort()) {
    // Breadth-first from `start` gives the shortest way back to it, if there is one.
    const cameFrom = new Map<string, string>();
    const queue = [start];
    let closing: string | undefined;
    while (queue.length > 0 && closing === undefined) {
      const node = queue.shift() as string;
      for (const next of [...(graph.get(node)?.keys() ?? [])].sort()) {
        if (next === start) {
          closing = node;
          break;
        }
        if (cameFrom.has(next)) continue;
        cameFrom.set(next, node);
        queue.push(next);
      }
    }
    if (closing === undefined) continue;
    const cycle = [closing];
    while (cycle[0] !== start) cycle.unshift(cameFrom.get(cycle[0] as string) as string);
    const key = [...cycle].sort().join(',');
    if (reported.has(key)) continue;
    reported.add(key);
    const steps = cycle.map((from, i) => {
      const to = cycle[(i + 1) % cycle.length] as string;
      const edge = graph.get(from)?.get(to) as Edge;
      return `${edge.file} imports ${edge.target}`;
    });
    cycles.push(`${[...cycle, start].join(' → ')} (${steps.join('; ')})`);
  }
  return cycles;
}

describe('dependency direction', () => {
  const sources = readSources();
  const edges = importEdges(sources);

  it('keeps Slack, drizzle and the database layer out of everything below the adapters', () => {
    const offences: string[] = [];
    for (const { file, source } of sources) {
      if (!BELOW_ADAPTERS.includes(LAYERS[layerOf(file)]?.name ?? '')) continue;
      for (const specifier of specifiers(source))
        if (FORBIDDEN.some((pattern) => pattern.test(specifier))) offences.push(`${file} imports ${specifier}`);
    }
    expect(offences).toEqual([]);
  });

  it('gives every part of src/ a layer', () => {
    const unplaced = [...new Set(sources.map(({ file }) => partOf(file)))].filter(
      (part) => !LAYERS.some((layer) => layer.parts.includes(part)),
    );
    expect(unplaced).toEqual([]);
  });

  it('never imports from a higher layer', () => {
    expect(layerViolations(edges)).toEqual([]);
  });

  it('has no cycle between top-level folders', () => {
    expect(folderCycles(edges)).toEqual([]);
  });

  describe('the checks themselves', () => {
    const fixture: Edge[] = [
      { file: 'keys/key-service.ts', target: 'partners/types.ts' },
      { file: 'partners/partner-service.ts', target: 'keys/grants.ts' },
      { file: 'partners/partner-pgp-service.ts', target: 'delivery/fingerprint.ts' },
      { file: 'delivery/delivery-service.ts', target: 'keys/types.ts' },
      { file: 'shared/store.ts', target: 'keys/key-repository.ts' },
      { file: 'cli/main.ts', target: 'compose.ts' },
      { file: 'cli/context.ts', target: 'compose.ts' },
      { file: 'db/store.ts', target: 'keys/key-repository.ts' },
    ];

    it('report each cycle once, by its path and the imports that close it', () => {
      expect(folderCycles(fixture)).toEqual([
        'delivery → keys → partners → delivery (delivery/delivery-service.ts imports keys/types.ts; ' +
          'keys/key-service.ts imports partners/types.ts; partners/partner-pgp-service.ts imports delivery/fingerprint.ts)',
        'keys → partners → keys (keys/key-service.ts imports partners/types.ts; ' +
          'partners/partner-service.ts imports keys/grants.ts)',
      ]);
    });

    it('report an import that reaches up a layer, and let an entry point import the root', () => {
      expect(layerViolations(fixture)).toEqual([
        'shared/store.ts (base) imports keys/key-repository.ts (domain)',
        'cli/context.ts (adapters) imports compose.ts (composition root)',
      ]);
    });
  });
});
