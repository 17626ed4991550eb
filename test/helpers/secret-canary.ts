import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    secretCanaryDir: string;
  }
}

/**
 * Suite-wide secret check, per test process: what the app stored, logged or answered is written here as evidence,
 * with the secrets tests made on purpose (canaries, e.g. legacy keys of any shape). After the last file,
 * secret-canary-setup.ts searches all evidence for every canary and for anything shaped like one of our keys.
 */
const file = (kind: string) => path.join(inject('secretCanaryDir'), `${process.pid}.${kind}.jsonl`);

/** A secret a test made that must never show up in evidence. */
export function recordCanary(secret: string): void {
  appendFileSync(file('canaries'), `${JSON.stringify(secret)}\n`);
}

/** Text the app produced or stored (a database dump, captured logs, server output), labelled by where it came from. */
export function recordEvidence(where: string, text: string): void {
  if (text === '') return;
  appendFileSync(file('evidence'), `${JSON.stringify({ where, text })}\n`);
}

/** Our key shape: `<prefix>_` and 38 base62 characters. Nothing stored or logged may look like one. */
export const KEY_SHAPE = /\bhk_[0-9A-Za-z]{38}\b/g;

export interface Sighting {
  secret: string;
  where: string;
}

export function findSecrets(
  evidence: readonly { where: string; text: string }[],
  canaries: readonly string[],
): Sighting[] {
  const found: Sighting[] = [];
  for (const { where, text } of evidence) {
    for (const match of text.matchAll(KEY_SHAPE)) found.push({ secret: match[0], where });
    for (const canary of canaries) if (text.includes(canary)) found.push({ secret: canary, where });
  }
  return found;
}
