import { NO_PARTNER } from '../../blocks/create-key-views.ts';
import { ActionId } from '../../ui/ids.ts';
import { options } from '../listener.ts';

/** The create dialog's partner select, searched (an external select) once there are too many partners to list. */
export const partnerSearch = options({
  id: ActionId.createPartner,
  role: 'admin',
  async call({ deps }, typed) {
    const query = typed.trim().toLowerCase();
    const partners = (await deps.services.partners.list())
      .filter((p) => p.name.toLowerCase().includes(query))
      .slice(0, 99);
    return [
      { text: { type: 'plain_text', text: 'None (no partner)' }, value: NO_PARTNER },
      ...partners.map((p) => ({ text: { type: 'plain_text' as const, text: p.name.slice(0, 75) }, value: p.id })),
    ];
  },
});
