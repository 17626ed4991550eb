import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anAdmin } from '../fixtures/actors.ts';
import { captureLogs } from '../helpers/log-capture.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime.ts';

const logs = captureLogs('info');
let rt: TestRuntime;
beforeAll(async () => {
  rt = await createTestRuntime({ logger: logs.logger });
});
afterAll(async () => {
  await rt.dispose();
});

const keyLines = () =>
  logs.lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.component === 'keys');

describe('key change log', () => {
  it('writes one info line per change, from the composed service every surface uses, with ids and never the secret', async () => {
    const actor = anAdmin();
    const issued = await rt.keys.create({ actor, description: 'Logged <!channel>', grants: ['GET /v1/users'] });
    await rt.keys.edit(issued.key.id, { actor, add: ['GET /v1/candidates'] });
    await rt.keys.edit(issued.key.id, { actor, add: ['GET /v1/candidates'] });
    await rt.keys.revoke(issued.key.id, { actor, reason: 'test' });
    await rt.keys.revoke(issued.key.id, { actor });
    await rt.keys.enable(issued.key.id, { actor });
    const replaced = await rt.keys.replace(issued.key.id, { actor, graceSeconds: 0 });
    await rt.keys.revoke(replaced.key.id, { actor });
    await rt.keys.abandonSuccession(replaced.key.id, { actor, reason: 'not handed over' });
    // Nothing left to undo: no line.
    await rt.keys.abandonSuccession(replaced.key.id, { actor, reason: 'not handed over' });
    const legacy = rt.secretFormat.generate();
    const imported = await rt.importKeys(
      Buffer.from(`key,description,partner,created_at\n${legacy},Old integration,,2016-05-01\n`),
      actor,
    );

    expect(keyLines().map((l) => [l.event, l.keyId, l.actor, l.level])).toEqual([
      ['key.created', issued.key.id, actor, 30],
      // The second edit and revoke changed nothing: no line.
      ['key.edited', issued.key.id, actor, 30],
      ['key.revoked', issued.key.id, actor, 30],
      ['key.enabled', issued.key.id, actor, 30],
      ['key.replaced', replaced.key.id, actor, 30],
      ['key.revoked', replaced.key.id, actor, 30],
      ['key.replacement_abandoned', issued.key.id, actor, 30],
      ['key.imported', imported.imported[0]?.id, actor, 30],
    ]);
    const text = logs.text();
    for (const secret of [issued.secret, replaced.secret, legacy]) expect(text).not.toContain(secret);
    expect(text).not.toContain('<!channel>');
  });
});
