import { denialBurstAlert } from '../blocks/attention-blocks.ts';
import { type AlertSweep, sendOnce } from './alert-sweeps.ts';

/**
 * A burst of denials right after an edit took an endpoint away: once per edit × endpoint, whichever instance
 * claims it first. An edit whose window has passed without a burst is not looked at again.
 */
export const denialBurstSweep: AlertSweep = {
  name: 'denial-burst',
  async run(context) {
    const { attention, catalog } = context.deps.services;
    for (const burst of await attention.denialBursts()) {
      await sendOnce(
        context,
        `denied-burst:${burst.editId}:${burst.endpointId}`,
        () => denialBurstAlert(catalog, burst, attention.policy.deniedBurst),
        { keyId: burst.keyId, endpointId: burst.endpointId, denied: burst.denied },
      );
    }
  },
};
