import { SERVICE_KEY_PATH } from '../../../http/service-key-route.ts';
import { pubkeyMessage } from '../../blocks/delivery-blocks.ts';
import { subcommand } from '../listener.ts';

/** `pubkey`: the PGP key that signs deliveries. Public by design (also served over HTTP): no role needed. */
export const pubkey = subcommand({
  names: ['pubkey'],
  role: 'anyone',
  call: ({ deps }) => deps.services.serviceKey.get(),
  render: (turn, key) => turn.reply(pubkeyMessage(key, SERVICE_KEY_PATH)),
});
