import { keyContext, type KeyServiceDeps } from './key-context.ts';
import { createKeyCreation } from './key-creation.ts';
import { createKeyEditing } from './key-editing.ts';
import { keyIssuer } from './key-issue.ts';
import { createKeyLifecycle } from './key-lifecycle.ts';
import { createKeyReads } from './key-reads.ts';
import { createKeySuccession } from './key-succession.ts';
import { createKeyUpgrade } from './key-upgrade.ts';

export type { ChangeSource, KeyServiceDeps } from './key-context.ts';
export type { CreateKeyInput, PreparedCreate } from './key-creation.ts';
export type { EditKeyInput, EditPreview, EditResult, ExpiryChange } from './key-editing.ts';
export type { CheckResult } from './key-reads.ts';
export { alreadyReplaced } from './key-refusals.ts';
export type { KeyStore, KeyTransaction } from './key-store.ts';
export { DEFAULT_UPGRADE_GRACE_SECONDS, type UpgradePlan } from './key-upgrade.ts';

export type KeyService = ReturnType<typeof createKeyService>;

/** The key lifecycle, composed from its parts over one set of injected dependencies. */
export function createKeyService(deps: KeyServiceDeps) {
  const ctx = keyContext(deps);
  const issue = keyIssuer(ctx);
  return {
    catalog: ctx.catalog,
    ...createKeyCreation(ctx, issue),
    ...createKeyUpgrade(ctx, issue),
    ...createKeyEditing(ctx),
    ...createKeyLifecycle(ctx),
    ...createKeySuccession(ctx),
    ...createKeyReads(ctx),
  };
}
