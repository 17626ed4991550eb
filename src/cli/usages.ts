/**
 * Every command's usage line, apart from the commands themselves: `--help`, `help <command>` and usage mistakes print
 * them without loading any command module (each loads only when its command runs).
 */
export const USAGES = {
  create:
    'harvest-keys create [--type key|oauth] (--description D | --partner P [--description D]) [--grant "GET /v1/users"]... [--all] [--no-preset] [--allow-ip CIDR]... [--expires 90d|2027-01-31T00:00:00Z|--no-expiry] [--json]',
  list: 'harvest-keys list [--status active|revoked] [--partner P] [--search TEXT] [--expiring 7d] [--json]',
  show: 'harvest-keys show <id> [--json]',
  edit: 'harvest-keys edit <id> [--add "GET /v1/users"]... [--remove "..."]... [--description D] [--allow-ip CIDR]... [--remove-ip CIDR]... [--expires 90d|ISO|--no-expiry] [--version N] [--json]',
  revoke: 'harvest-keys revoke <id> [--reason R] [--json]',
  enable: 'harvest-keys enable <id> [--expires 90d|ISO|--no-expiry] [--json]',
  replace: 'harvest-keys replace <id> [--grace 0|30m|1h|7d] [--expires 90d|ISO|--no-expiry] [--json]',
  upgrade:
    "harvest-keys upgrade <id> [--grace 0|30m|1h|7d] [--json]   (a Harvest v3 client with the key's permissions; the key stops after the grace, default 7d)",
  extend:
    'harvest-keys extend <id> --expires 30m|12h|90d|2027-01-31T00:00:00Z | --no-expiry [--json]   (sets when the key stops by itself)',
  usage:
    'harvest-keys usage <id> [--days N] [--json]   (allowed and denied requests per endpoint over the last N days, default 30)',
  trim: 'harvest-keys trim <id> [--days N] [--apply] [--json]   (grants with no allowed call in the last N days, default 30; --apply removes them)',
  'migrate-legacy':
    'harvest-keys migrate-legacy <id> [--days N] [--apply] [--json]   (the legacy endpoints a legacy key called in the last N days, default 90; --apply grants exactly those and ends its implicit access)',
  import:
    'harvest-keys import <file.csv> [--json]   (columns: key,description,partner,created_at[,grants separated by ;])',
  check:
    'harvest-keys check <key>|- <METHOD> <path> [--from <address>] [--json]   (exit 0 allowed, 1 denied; "-" reads the key from standard input; --from: the client address, for keys with allowed networks)',
  'partner add':
    'harvest-keys partner add <name> [--contact U012ABCDEF]... [--preset "GET /v1/users"]... [--allow-ip CIDR]... [--json]',
  'partner edit':
    'harvest-keys partner edit <name> [--rename N] [--contact U..]... [--remove-contact U..]... [--preset "..."]... [--remove-preset "..."]... [--allow-ip CIDR]... [--remove-ip CIDR]... [--json]',
  'partner list': 'harvest-keys partner list [--archived] [--json]   (--archived: archived partners too)',
  'partner archive': 'harvest-keys partner archive <name> [--json]   (leaves lists and pickers; its keys keep working)',
  'partner unarchive': 'harvest-keys partner unarchive <name> [--json]',
  'partner key': 'harvest-keys partner key <partner> [<file.asc>|-] [--confirm <fingerprint>] [--json]',
  pubkey: 'harvest-keys pubkey [--json]',
  'role add': 'harvest-keys role add <slack user id> admin|approver',
  'role remove': 'harvest-keys role remove <slack user id> admin|approver',
  'role list': 'harvest-keys role list [--json]',
  migrate: 'harvest-keys migrate',
  audit:
    'harvest-keys audit [--key ID] [--actor A] [--since T] [--until T] [--json]   (every event, oldest first; T: 2026-11-01, 2026-11-01T09:30:00Z or how long ago: 30m, 12h, 7d, 2w)',
  endpoints:
    'harvest-keys endpoints [--search TEXT] [--legacy] [--json]   (the catalog: what --grant and --add take; --legacy: what legacy keys may call)',
} as const;

export type CommandName = keyof typeof USAGES;
