import { z } from 'zod';
import { AppError } from '../../shared/errors.ts';
import { unpackNetworks } from '../../shared/networks.ts';
import { LIMITS } from '../blocks/kit.ts';

/**
 * What a modal carries between steps in `private_metadata`: ids, the permission bitset and form fields already
 * entered, never a secret. Short keys keep a 500-endpoint selection far below Slack's 3000 characters.
 */
const picker = {
  /** page */
  p: z.number().int().min(0),
  /** revision of the checkbox block ids */
  r: z.number().int().min(0),
  /** selection bitset (base64url) */
  s: z.string(),
  /** catalog fingerprint */
  c: z.string(),
  /** filter: the resource group shown (index), and the search text */
  g: z.number().int().min(0).nullable().optional(),
  q: z.string().max(100).optional(),
};

export const CreateMeta = z.object({
  f: z.literal('create'),
  ...picker,
  partnerId: z.string().nullable(),
  /** partner name, for the view's summary line */
  pn: z.string().nullable(),
  /** preset size */
  ps: z.number().int().min(0),
  d: z.string(),
  /** The partner contact the key is sent to, PGP-encrypted, instead of being shown once. */
  dl: z.string().nullable().optional(),
  /** Save was pressed with nothing ticked and the dialog asked again: the next Save with none creates it. */
  z: z.literal(1).optional(),
  /** The Expires choice (expiry-blocks.ts): `never` or a number of days, counted when the key is made. */
  x: z.string().max(8).optional(),
  /** Allowed networks (`packNetworks`), when the key is limited to some: as text, fifty IPv6 ones would not fit. */
  n: z.string().max(1_200).optional(),
  /** 1: a Harvest v3 (OAuth) client is made; absent: a key. */
  t: z.literal(1).optional(),
});
export type CreateMeta = z.infer<typeof CreateMeta>;

export const EditMeta = z.object({
  f: z.literal('edit'),
  ...picker,
  k: z.string(),
  v: z.number().int(),
  d: z.string(),
  /** usage: last used (ms) or null, allowed and denied in the last 7 days */
  u: z.tuple([z.number().nullable(), z.number().nullable(), z.number().nullable()]),
});
export type EditMeta = z.infer<typeof EditMeta>;

export const PartnerMeta = z.object({
  f: z.literal('partner'),
  ...picker,
  id: z.string().nullable(),
  n: z.string(),
  u: z.array(z.string()),
});
export type PartnerMeta = z.infer<typeof PartnerMeta>;

export const PickerMeta = z.discriminatedUnion('f', [CreateMeta, EditMeta, PartnerMeta]);
export type PickerMeta = z.infer<typeof PickerMeta>;

export const EditConfirmMeta = z.object({
  k: z.string(),
  v: z.number().int(),
  d: z.string(),
  s: z.string(),
  c: z.string(),
  /** The new expiry (ms, or null: never); absent: unchanged. */
  x: z.number().nullable().optional(),
  /** The key's allowed networks after the edit (`packNetworks`), when the edit changes them. */
  n: z.string().max(1_200).optional(),
  /** The edit ends a legacy key's implicit access ("Convert to explicit permissions"). */
  l: z.literal(1).optional(),
  /** The edit was drawn from the key's use over this many days (trim, legacy conversion): audited as such. */
  b: z.number().int().min(1).max(3650).optional(),
});
export type EditConfirmMeta = z.infer<typeof EditConfirmMeta>;

export const KeyMeta = z.object({ k: z.string() });

/** Extend (from an expiry reminder): the key, the version and the end (ms) the dialog was opened on. */
export const ExtendMeta = z.object({ k: z.string(), v: z.number().int(), x: z.number() });
export type ExtendMeta = z.infer<typeof ExtendMeta>;

/** The create dialog's first step: the revision of the description block, and the partner its default came from. */
export const CreateStartMeta = z.object({ r: z.number().int().min(0), pid: z.string().nullable() });
export type CreateStartMeta = z.infer<typeof CreateStartMeta>;

export const RolesMeta = z.object({ r: z.number().int().min(0) });
export type KeyMeta = z.infer<typeof KeyMeta>;

/** The App Home's search (`q`), page (`p`) and filters: status (`s`), partner id (`pa`), flags (`fl`). */
export const HomeMeta = z.object({
  q: z.string(),
  p: z.number().int().min(0),
  s: z.enum(['usable', 'revoked']).optional(),
  pa: z.string().max(64).optional(),
  fl: z
    .array(z.enum(['legacy', 'unused', 'expiring']))
    .max(3)
    .optional(),
});
export type HomeMeta = z.infer<typeof HomeMeta>;

export function encodeMeta(value: unknown): string {
  const text = JSON.stringify(value);
  if (text.length > LIMITS.privateMetadata) {
    throw new AppError('DIALOG_TOO_LARGE', `Dialog state is too large for Slack (${text.length} characters)`, {
      facts: { characters: text.length, max: LIMITS.privateMetadata },
    });
  }
  return text;
}

export function decodeMeta<T>(schema: z.ZodType<T>, text: string | undefined): T {
  let raw: unknown;
  try {
    raw = JSON.parse(text ?? '');
  } catch (error) {
    throw new AppError('DIALOG_OUTDATED', 'This dialog is out of date: close it and start again', { cause: error });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new AppError('DIALOG_OUTDATED', 'This dialog is out of date: close it and start again');
  return parsed.data;
}

/** The allowed networks a dialog carries (`n`, packed), or undefined when it carries none. */
export function networksOf(meta: { n?: string | undefined }): string[] | undefined {
  if (meta.n === undefined) return undefined;
  try {
    return unpackNetworks(meta.n);
  } catch (error) {
    throw new AppError('DIALOG_OUTDATED', 'This dialog is out of date: close it and start again', { cause: error });
  }
}
