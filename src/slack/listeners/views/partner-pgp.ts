import { pgpConfirmView } from '../../blocks/pgp-views.ts';
import { decodeMeta } from '../../flows/metadata.ts';
import { downloadKeyFile, PgpMeta, refreshPartnerForm, uploadedFile } from '../../flows/partner-pgp.ts';
import { BlockId, CallbackId } from '../../ui/ids.ts';
import { readInput } from '../../ui/view-state.ts';
import { atField, refuseField, view } from '../listener.ts';

/**
 * "Check key" in the partner PGP dialog: the key, pasted or uploaded, is read (refusals shown on the field it came
 * from, with the reason), stored, and the out-of-band fingerprint step takes the dialog's place.
 */
export const partnerPgpSubmit = view({
  callbackId: CallbackId.partnerPgp,
  role: 'admin',
  failure: 'Key Not Stored',
  async parse({ view: dialog, values }) {
    const pasted = readInput(values, BlockId.pgpArmored)?.trim() ?? '';
    const file = uploadedFile(values);
    const source =
      pasted !== ''
        ? ({ kind: 'pasted', armored: pasted } as const)
        : file !== undefined
          ? ({ kind: 'file', file } as const)
          : refuseField(BlockId.pgpArmored, 'Paste the partner’s public key, or upload their .asc file below.');
    if (pasted !== '' && file !== undefined)
      refuseField(BlockId.pgpFile, 'Give the key once: paste it or upload it, not both.');
    const field = source.kind === 'file' ? BlockId.pgpFile : BlockId.pgpArmored;
    const meta = await atField(field, () => decodeMeta(PgpMeta, dialog.private_metadata));
    return { pid: meta.pid, meta, privateMetadata: dialog.private_metadata, source, field };
  },
  async call({ deps, client, userId }, { pid, source }) {
    const armored = source.kind === 'pasted' ? source.armored : await downloadKeyFile(client, source.file);
    return deps.services.partnerPgp.setPgpKey(pid, armored, userId);
  },
  async render(turn, result, input) {
    const { deps, userId, answer } = turn;
    deps.logger.info(
      {
        partnerId: result.partner.id,
        fingerprint: result.key.fingerprint,
        replaced: result.replacedFingerprint,
        userId,
      },
      'partner PGP key stored from Slack',
    );
    await answer({
      response_action: 'update',
      view: pgpConfirmView({
        partner: result.partner,
        key: result.key,
        replacedFingerprint: result.replacedFingerprint,
        notice: ':inbox_tray: Key read and stored.',
        privateMetadata: input.privateMetadata,
      }),
    });
    await refreshPartnerForm(turn, input.meta);
  },
  // A refused key is shown on the field it came from; a partner deleted meanwhile is not about a field.
  fieldOf: (error, input) => (error.code === 'UNKNOWN_PARTNER' ? undefined : input?.field),
});
