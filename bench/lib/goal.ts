/**
 * One performance goal's outcome, printed as `goal: <name> | <figure> | <target> | met|missed`. bench/run.ts collects
 * these lines from every benchmark's output and prints them as one table at the end of `npm run bench`.
 */
export interface Goal {
  name: string;
  figure: string;
  target: string;
  met: boolean;
}

const PREFIX = 'goal: ';

export function reportGoal(goal: Goal): void {
  const clean = (text: string) => text.replaceAll('|', '/').replaceAll('\n', ' ').trim();
  console.log(
    `${PREFIX}${clean(goal.name)} | ${clean(goal.figure)} | ${clean(goal.target)} | ${goal.met ? 'met' : 'missed'}`,
  );
}

/** The goal a line of benchmark output reports, if it is a `goal:` line. */
export function parseGoal(line: string): Goal | undefined {
  if (!line.startsWith(PREFIX)) return undefined;
  const parts = line.slice(PREFIX.length).split(' | ');
  if (parts.length !== 4 || (parts[3] !== 'met' && parts[3] !== 'missed')) return undefined;
  const [name, figure, target] = parts as [string, string, string];
  return { name, figure, target, met: parts[3] === 'met' };
}

/** The goals as an aligned text table. */
export function goalTable(goals: Goal[]): string {
  const rows = [
    ['goal', 'figure', 'target', ''],
    ...goals.map((g) => [g.name, g.figure, g.target, g.met ? 'met' : 'MISSED']),
  ];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => (i < 3 ? cell.padEnd(widths[i] as number) : cell))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
