import { pgpConfirmView } from '../../blocks/pgp-views.ts';
import { decodeMeta } from '../../flows/metadata.ts';
import { PgpMeta, refreshPartnerForm } from '../../flows/partner-pgp.ts';
import { BlockId, CallbackId } from '../../ui/ids.ts';
import { readInput } from '../../ui/view-state.ts';
import { outcomeOf, refuseField, view } from '../listener.ts';

/**
 * "Confirm fingerprint": the admin types the fingerprint the partner read out (out of band); only the fingerprint
 * the key really has confirms it, and keys are sent to the partner from then on.
 */
export const partnerPgpConfirmSubmit = view({
  callbackId: CallbackId.partnerPgpConfirm,
  role: 'admin',
  failure: 'Not Confirmed',
  fieldOf: (error) => (error.field === 'fingerprint' ? BlockId.pgpFingerprint : undefined),
  parse: ({ view: dialog, values }) => {
    const meta = decodeMeta(PgpMeta, dialog.private_metadata);
    return { typed: readInput(values, BlockId.pgpFingerprint) ?? '', pid: meta.pid, meta };
  },
  async call({ deps, userId }, { typed, pid }) {
    const key = await deps.services.partnerPgp.confirmPgpKey(pid, typed, userId).catch(
      outcomeOf({
        PGP_FINGERPRINT_MISMATCH: () =>
          refuseField(
            BlockId.pgpFingerprint,
            'This does not match the key’s fingerprint. Check it with the partner again (out of band); nothing was confirmed.',
          ),
      }),
    );
    return { key, partner: await deps.services.partners.get(pid) };
  },
  async render(turn, { key, partner }, { meta }) {
    const { deps, userId, answer } = turn;
    deps.logger.info(
      { partnerId: partner.id, fingerprint: key.fingerprint, userId },
      'partner PGP key confirmed from Slack',
    );
    await answer({
      response_action: 'update',
      view: pgpConfirmView({
        partner,
        key,
        replacedFingerprint: null,
        notice: ':white_check_mark: Fingerprint confirmed.',
      }),
    });
    await refreshPartnerForm(turn, meta);
  },
});
