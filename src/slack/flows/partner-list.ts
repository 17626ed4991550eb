import { partnersView } from '../blocks/admin-views.ts';
import type { ModalView } from '../blocks/kit.ts';
import type { SlackDeps } from '../deps.ts';

/**
 * The partners dialog as it is now: partners that are not archived, each with its PGP key's status (read when the
 * dialog opens or redraws, so a key set or confirmed elsewhere shows), and how many archived ones are left out.
 */
export async function partnerListView(deps: Pick<SlackDeps, 'services'>, notice?: string): Promise<ModalView> {
  const [all, pgp] = await Promise.all([
    deps.services.partners.list({ includeArchived: true }),
    deps.services.partnerPgp.pgpStatuses(),
  ]);
  const shown = all.filter((partner) => partner.archivedAt === null);
  return partnersView(shown, notice, { pgp, archived: all.length - shown.length });
}
