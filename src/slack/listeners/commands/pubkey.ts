import { SERVICE_KEY_PATH } from '../../../http/service-key-route.ts';
import { pubkeyMessage } from '../../blocks/delivery-blocks.ts';
import { stop, subcommand } from '../listener.ts';

/** `pubkey`: the PGP key that signs deliveries. Public by design (also served over HTTP): no role needed. */
export const pubkey = subcommand({
  names: ['pubkey'],
  role: 'anyone',
  parse: ({ deps }) => deps.services.serviceKey ?? stop('This server has no delivery signing key.'),
  call: (_turn, serviceKey) => serviceKey.get(),
  render: (turn, key) => turn.reply(pubkeyMessage(key, SERVICE_KEY_PATH)),
});
