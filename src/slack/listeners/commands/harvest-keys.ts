import { command } from '../listener.ts';
import { approvals } from './approvals.ts';
import { create } from './create.ts';
import { help } from './help.ts';
import { keyDialog } from './key-dialog.ts';
import { list } from './list.ts';
import { partners } from './partners.ts';
import { pubkey } from './pubkey.ts';
import { roles } from './roles.ts';
import { show } from './show.ts';

/** Every subcommand of `/harvest-keys`; anything else gets the help. */
export const SUBCOMMANDS = [create, partners, roles, pubkey, keyDialog, list, show, approvals, help] as const;

/** `/harvest-keys <subcommand>` (the command as configured in SLACK_COMMAND). */
export const harvestKeys = command(SUBCOMMANDS, help);
