/** The /authz benchmarks' data: 100k keys seeded straight into the tables, and a realistic mix of requests. */
import { randomInt } from 'node:crypto';
import postgres from 'postgres';
import { newClientId, newKeyId, newPartnerId } from '../../src/shared/ids.ts';

export interface SeededKey {
  id: string;
  secret: string;
  permissions: string[];
}

export interface Probe {
  secret: string;
  method: string;
  path: string;
  expect: 200 | 401 | 403;
}

/** 50 partners, 20 presets shared by 70% of keys, individual grants for the rest, 5% legacy, 2% revoked. */
export async function seed(
  url: string,
  count: number,
  endpointIds: string[],
  generate: () => string,
  digest: (s: string) => Buffer,
): Promise<SeededKey[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const pick = (n: number) => {
    const chosen = new Set<string>();
    while (chosen.size < n) chosen.add(endpointIds[randomInt(endpointIds.length)] as string);
    return [...chosen];
  };
  const partnerIds = Array.from({ length: 50 }, () => newPartnerId());
  await sql`insert into partners (id, name, created_by)
    select * from unnest(${partnerIds}::text[], ${partnerIds.map((_, i) => `Bench Partner ${i}`)}::text[], ${partnerIds.map(() => 'bench')}::text[])`;
  const presets = Array.from({ length: 20 }, () => pick(3 + randomInt(20)));
  const keys: SeededKey[] = [];
  const CHUNK = 10_000;
  for (let offset = 0; offset < count; offset += CHUNK) {
    const chunk: Array<SeededKey & { digest: Buffer; partnerId: string | null; legacy: boolean; status: string }> = [];
    for (let i = offset; i < Math.min(count, offset + CHUNK); i++) {
      const secret = generate();
      const permissions =
        randomInt(10) < 7 ? (presets[randomInt(presets.length)] as string[]) : pick(1 + randomInt(20));
      chunk.push({
        id: newKeyId(),
        secret,
        permissions,
        digest: digest(secret),
        partnerId: randomInt(10) < 8 ? (partnerIds[randomInt(partnerIds.length)] as string) : null,
        legacy: randomInt(100) < 5,
        status: randomInt(100) < 2 ? 'revoked' : 'active',
      });
    }
    await sql`insert into api_keys (id, secret_digest, hint, description, api_type, partner_id, status, legacy, created_by)
      select u.id, decode(u.digest, 'hex'), u.hint, 'Bench key', 'Harvest', nullif(u.partner_id, ''), u.status, u.legacy = 't', 'bench'
        from unnest(${chunk.map((k) => k.id)}::text[], ${chunk.map((k) => k.digest.toString('hex'))}::text[],
                    ${chunk.map((k) => k.secret.slice(-4))}::text[], ${chunk.map((k) => k.partnerId ?? '')}::text[],
                    ${chunk.map((k) => k.status)}::text[], ${chunk.map((k) => (k.legacy ? 't' : 'f'))}::text[])
             as u(id, digest, hint, partner_id, status, legacy)`;
    const grantKeys: string[] = [];
    const grantEndpoints: string[] = [];
    for (const k of chunk) {
      for (const p of k.permissions) {
        grantKeys.push(k.id);
        grantEndpoints.push(p);
      }
    }
    await sql`insert into key_permissions (key_id, endpoint_id) select * from unnest(${grantKeys}::text[], ${grantEndpoints}::text[])`;
    for (const k of chunk)
      keys.push(
        k.status === 'active' && !k.legacy
          ? { id: k.id, secret: k.secret, permissions: k.permissions }
          : { id: k.id, secret: k.secret, permissions: [] },
      );
  }
  await sql.end();
  return keys;
}

/** A request for the template with a value in each parameter's shape (ids, Harvest's custom field types, tokens). */
export const fill = (template: string) =>
  template.replace(/:[A-Za-z_]+/g, (name) =>
    name === ':field_type'
      ? 'candidate'
      : name === ':token'
        ? `t0k3n-${randomInt(100_000)}`
        : String(1 + randomInt(100_000)),
  );

/** 60% allowed, 25% denied (not granted or outside the catalog), 15% unknown keys with valid checksums. */
export function workload(
  keys: SeededKey[],
  endpoints: ReadonlyArray<{ id: string; method: string; path: string }>,
  generate: () => string,
): Probe[] {
  const usable = keys.filter((k) => k.permissions.length > 0);
  const probes: Probe[] = [];
  for (let i = 0; i < 100_000; i++) {
    const roll = randomInt(100);
    const key = usable[randomInt(usable.length)] as SeededKey;
    if (roll < 60) {
      const granted = key.permissions[randomInt(key.permissions.length)];
      const endpoint = endpoints.find((e) => e.id === granted) as { method: string; path: string };
      probes.push({
        secret: key.secret,
        method: endpoint.method,
        path: `${fill(endpoint.path)}${randomInt(4) === 0 ? '?page=2' : ''}`,
        expect: 200,
      });
    } else if (roll < 85) {
      const start = randomInt(endpoints.length);
      const missing = [...endpoints.slice(start), ...endpoints.slice(0, start)].find(
        (e) => !key.permissions.includes(e.id),
      );
      if (missing === undefined || randomInt(5) === 0)
        probes.push({ secret: key.secret, method: 'GET', path: '/v1/not-in-the-catalog/1', expect: 403 });
      else probes.push({ secret: key.secret, method: missing.method, path: fill(missing.path), expect: 403 });
    } else {
      probes.push({ secret: generate(), method: 'GET', path: '/v1/users', expect: 401 });
    }
  }
  return probes;
}

/** One Harvest v3 client holding every endpoint, seeded beside the keys: the bearer-token figures use it. */
export async function seedClient(
  url: string,
  endpointIds: string[],
  generate: () => string,
  digest: (s: string) => Buffer,
): Promise<{ id: string; clientId: string; secret: string }> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const id = newKeyId();
  const clientId = newClientId();
  const secret = generate();
  await sql`insert into api_keys (id, secret_digest, hint, description, api_type, kind, client_id, created_by)
    values (${id}, ${digest(secret)}, ${secret.slice(-4)}, 'Bench client', 'Harvest', 'oauth_client', ${clientId}, 'bench')`;
  await sql`insert into key_permissions (key_id, endpoint_id) select ${id}, unnest(${endpointIds}::text[])`;
  await sql.end();
  return { id, clientId, secret };
}
