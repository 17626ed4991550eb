import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askAuthz, basic, waitUntil } from '../helpers/authz-client.ts';
import { runCliInProcess as runCli } from '../helpers/cli-in-process.ts';
import { type ServerProcess, startServer } from '../helpers/processes.ts';
import { createTestRuntime, TEST_PEPPER, type TestRuntime } from '../helpers/runtime.ts';

/**
 * Keys limited to networks, set up through the CLI (in process) and enforced by a running server: the client address
 * is the rightmost X-Forwarded-For entry (or the one CLIENT_IP_HEADER / TRUSTED_PROXY_HOPS name), never a header a
 * client can choose.
 */
let rt: TestRuntime;
let env: Record<string, string>;
let server: ServerProcess;
let twoHops: ServerProcess;
let limited: { id: string; key: string };
let open: { id: string; key: string };

const nginxStyle = (secret: string, extra: Record<string, string> = {}) => ({
  authorization: basic(secret),
  'x-original-method': 'GET',
  'x-original-uri': '/v1/users',
  ...extra,
});

beforeAll(async () => {
  rt = await createTestRuntime();
  env = { DATABASE_URL: rt.database.url, KEY_PEPPER: TEST_PEPPER, LOG_LEVEL: 'warn' };
  const partner = await runCli(['partner', 'add', 'Net Partner', '--allow-ip', '203.0.113.0/24', '--json'], env);
  expect(partner.code, partner.stderr).toBe(0);
  expect(JSON.parse(partner.stdout).defaultNetworks).toEqual(['203.0.113.0/24']);
  const created = await runCli(
    ['create', '--partner', 'Net Partner', '--grant', 'GET /v1/users', '--allow-ip', '2001:DB8::/32', '--json'],
    env,
  );
  expect(created.code, created.stderr).toBe(0);
  const json = JSON.parse(created.stdout);
  // The partner's defaults first, then the key's own, in canonical form.
  expect(json.allowedNetworks).toEqual(['203.0.113.0/24', '2001:db8::/32']);
  limited = { id: json.id, key: json.key };
  const plain = JSON.parse(
    (await runCli(['create', '--description', 'Anywhere', '--grant', 'GET /v1/users', '--json'], env)).stdout,
  );
  open = { id: plain.id, key: plain.key };
  // The server's ready line is logged at info.
  const serverEnv = { DATABASE_URL: rt.database.url, KEY_PEPPER: TEST_PEPPER };
  [server, twoHops] = await Promise.all([
    startServer(serverEnv),
    startServer({ ...serverEnv, CLIENT_IP_HEADER: 'X-Client-Chain', TRUSTED_PROXY_HOPS: '2' }),
  ]);
  for (const s of [server, twoHops])
    await waitUntil(async () => (await askAuthz(s.port, nginxStyle(open.key))).status === 200);
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await twoHops?.stop();
  await rt?.dispose();
});

describe('keys limited to networks at /authz', () => {
  it('allows a request whose rightmost X-Forwarded-For entry is inside, IPv4 and IPv6', async () => {
    for (const xff of ['203.0.113.9', '198.51.100.1, 203.0.113.200', '2001:db8:1::7', '10.0.0.1,2001:db8::1']) {
      const answer = await askAuthz(server.port, nginxStyle(limited.key, { 'x-forwarded-for': xff }));
      expect(answer.status, xff).toBe(200);
      expect(answer.headers.get('x-key-id')).toBe(limited.id);
    }
  });

  it('refuses any other address with 403 ip_not_allowed naming the address seen', async () => {
    const answer = await askAuthz(server.port, nginxStyle(limited.key, { 'x-forwarded-for': '198.51.100.1' }));
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual({
      error: 'forbidden',
      reason: 'ip_not_allowed',
      message: 'This API key may not be used from 198.51.100.1: it may be used only from certain networks.',
      client_address: '198.51.100.1',
      key_id: limited.id,
    });
    expect(answer.headers.get('x-denied-reason')).toBe('ip_not_allowed');
    expect(answer.headers.get('x-client-address')).toBe('198.51.100.1');
    expect(answer.headers.get('cache-control')).toBe('no-store');
    // Even for an endpoint the key does not hold: its grants are not disclosed to another address.
    const other = await askAuthz(
      server.port,
      nginxStyle(limited.key, { 'x-forwarded-for': '2001:db9::1', 'x-original-uri': '/v1/candidates' }),
    );
    expect(other.body).toMatchObject({ reason: 'ip_not_allowed', client_address: '2001:db9::1' });
  });

  it('does not believe spoofed headers: X-Real-IP, Forwarded, True-Client-IP, extra leftmost XFF entries', async () => {
    const spoofed = { 'x-real-ip': '203.0.113.9', forwarded: 'for=203.0.113.9', 'true-client-ip': '203.0.113.9' };
    const none = await askAuthz(server.port, nginxStyle(limited.key, spoofed));
    expect(none.status).toBe(403);
    expect(none.body).toMatchObject({ reason: 'ip_not_allowed', client_address: '' });
    expect(String(none.body?.message)).toContain('no client address (x-forwarded-for)');
    const left = await askAuthz(
      server.port,
      nginxStyle(limited.key, { ...spoofed, 'x-forwarded-for': '203.0.113.9, 203.0.113.10, 192.0.2.66' }),
    );
    expect(left.body).toMatchObject({ reason: 'ip_not_allowed', client_address: '192.0.2.66' });
    // Two X-Forwarded-For lines are one list: the last entry of the last line counts.
    const twoLines = await fetch(`http://127.0.0.1:${server.port}/authz`, {
      headers: [
        ['authorization', basic(limited.key)],
        ['x-original-method', 'GET'],
        ['x-original-uri', '/v1/users'],
        ['x-forwarded-for', '192.0.2.66'],
        ['x-forwarded-for', '203.0.113.9'],
      ],
    });
    expect(twoLines.status).toBe(200);
    const junk = await askAuthz(server.port, nginxStyle(limited.key, { 'x-forwarded-for': '<script>' }));
    expect(junk.body).toMatchObject({ reason: 'ip_not_allowed', client_address: '(not an IP address)' });
    expect(junk.headers.get('x-client-address')).toBeNull();
  });

  it('leaves keys without networks alone, whatever the address', async () => {
    const variants: Record<string, string>[] = [{}, { 'x-forwarded-for': '192.0.2.66' }, { 'x-forwarded-for': 'junk' }];
    for (const headers of variants) {
      expect((await askAuthz(server.port, nginxStyle(open.key, headers))).status).toBe(200);
    }
  });

  it('reads CLIENT_IP_HEADER, TRUSTED_PROXY_HOPS entries from the right', async () => {
    const ask = (headers: Record<string, string>) => askAuthz(twoHops.port, nginxStyle(limited.key, headers));
    expect((await ask({ 'x-client-chain': '203.0.113.9, 10.0.0.2' })).status).toBe(200);
    expect((await ask({ 'x-client-chain': '192.0.2.1, 203.0.113.9, 10.0.0.2' })).status).toBe(200);
    expect((await ask({ 'x-client-chain': '203.0.113.9, 192.0.2.1, 10.0.0.2' })).body).toMatchObject({
      reason: 'ip_not_allowed',
      client_address: '192.0.2.1',
    });
    // One entry where two hops are expected: no usable address.
    expect((await ask({ 'x-client-chain': '203.0.113.9' })).body).toMatchObject({ client_address: '' });
    // X-Forwarded-For is not read once another header is configured.
    expect((await ask({ 'x-forwarded-for': '203.0.113.9, 203.0.113.9' })).status).toBe(403);
  });

  it('follows edits made with the CLI: --allow-ip and --remove-ip, refused entries named', async () => {
    const bad = await runCli(['edit', limited.id, '--allow-ip', '10.1.2.3/8'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain(
      'Not an allowed network: "10.1.2.3/8": it has host bits set after the prefix: did you mean 10.0.0.0/8?',
    );
    const notIp = await runCli(['edit', limited.id, '--allow-ip', 'office'], env);
    expect(notIp.stderr).toContain('Not an allowed network: "office": not an IPv4 or IPv6 address or network');
    const edited = await runCli(
      ['edit', limited.id, '--allow-ip', '192.0.2.66', '--remove-ip', '203.0.113.0/24', '--remove-ip', '2001:db8::/32'],
      env,
    );
    expect(edited.code, edited.stderr).toBe(0);
    expect(edited.stdout).toContain('  + allowed network 192.0.2.66/32');
    expect(edited.stdout).toContain('  - allowed network 203.0.113.0/24');
    expect(edited.stdout).toContain('Usable only from this network: 192.0.2.66/32');
    const shown = await runCli(['show', limited.id], env);
    expect(shown.stdout).toContain('  networks:    192.0.2.66/32');
    await waitUntil(
      async () =>
        (await askAuthz(server.port, nginxStyle(limited.key, { 'x-forwarded-for': '192.0.2.66' }))).status === 200,
    );
    expect((await askAuthz(server.port, nginxStyle(limited.key, { 'x-forwarded-for': '203.0.113.9' }))).status).toBe(
      403,
    );
    const audit = await rt.db
      .sql`select details from audit_events where key_id = ${limited.id} and action = 'key.edited' order by id`;
    expect(audit.at(-1)?.details).toMatchObject({
      networksAdded: ['192.0.2.66/32'],
      networksRemoved: ['203.0.113.0/24', '2001:db8::/32'],
    });
    // Removing every network opens the key to any address again.
    await runCli(['edit', limited.id, '--remove-ip', '192.0.2.66'], env);
    await waitUntil(async () => (await askAuthz(server.port, nginxStyle(limited.key))).status === 200);
    expect((await runCli(['show', limited.id], env)).stdout).toContain('  networks:    any address');
  });

  it('partner edit changes the defaults new keys start with, not existing keys', async () => {
    const edited = await runCli(
      ['partner', 'edit', 'Net Partner', '--allow-ip', '2001:db8:42::/48', '--remove-ip', '203.0.113.0/24'],
      env,
    );
    expect(edited.code, edited.stderr).toBe(0);
    expect(edited.stdout).toContain('new keys usable only from 2001:db8:42::/48');
    const fresh = JSON.parse(
      (await runCli(['create', '--partner', 'Net Partner', '--grant', 'GET /v1/users', '--json'], env)).stdout,
    );
    expect(fresh.allowedNetworks).toEqual(['2001:db8:42::/48']);
    // --no-preset leaves the partner's defaults out, as it does its permissions.
    const bare = JSON.parse(
      (await runCli(['create', '--partner', 'Net Partner', '--no-preset', '--grant', 'GET /v1/users', '--json'], env))
        .stdout,
    );
    expect(bare.allowedNetworks).toEqual([]);
    const tooMany = Array.from({ length: 51 }, (_, i) => ['--allow-ip', `10.0.${i}.0/24`]).flat();
    const refused = await runCli(['partner', 'edit', 'Net Partner', ...tooMany], env);
    expect(refused.stderr).toContain('Too many networks: 51 given, at most 50');
  });

  it('a replacement keeps the replaced key’s networks', async () => {
    const { key } = await rt.keys.create({
      actor: 'cli:test',
      description: 'To be replaced',
      grants: ['GET /v1/users'],
      allowedNetworks: ['192.0.2.0/24'],
    });
    const replaced = await rt.keys.replace(key.id, { actor: 'cli:test', graceSeconds: 0 });
    expect(replaced.key.allowedNetworks).toEqual(['192.0.2.0/24']);
  });
});

describe('harvest-keys check --from: the same answer /authz gives for that client address', () => {
  let checked: { id: string; key: string };
  beforeAll(async () => {
    const created = await runCli(
      [
        'create',
        '--description',
        'Checked from',
        '--grant',
        'GET /v1/users',
        '--allow-ip',
        '203.0.113.0/24',
        '--allow-ip',
        '2001:db8::/32',
        '--json',
      ],
      env,
    );
    expect(created.code, created.stderr).toBe(0);
    const json = JSON.parse(created.stdout);
    checked = { id: json.id, key: json.key };
  });
  const check = (...args: string[]) => runCli(['check', '-', ...args], env, { input: checked.key });

  it('allows an address inside the networks, IPv4 and IPv6 (and still judges the permission)', async () => {
    for (const from of ['203.0.113.9', '2001:db8:1::7', '::ffff:203.0.113.9']) {
      const run = await check('GET', '/v1/users', '--from', from);
      expect(run, from).toMatchObject({ code: 0 });
      expect(run.stdout).toContain(`allowed: ${checked.id} may call`);
      const answer = await askAuthz(server.port, nginxStyle(checked.key, { 'x-forwarded-for': from }));
      expect(answer.status, from).toBe(200);
    }
    const notGranted = await check('POST', '/v1/users', '--from', '203.0.113.9');
    expect(notGranted.code).toBe(1);
    expect(notGranted.stdout).toContain('does not have permission');
  });

  it('denies an address outside them (IPv4 and IPv6), as /authz does with ip_not_allowed', async () => {
    for (const from of ['198.51.100.1', '2001:db9::1']) {
      const run = await check('GET', '/v1/users', '--from', from);
      expect(run.code, from).toBe(1);
      expect(run.stdout.trim()).toBe(
        `denied: key ${checked.id} may not be used from ${from}: it may be used only from 203.0.113.0/24, 2001:db8::/32`,
      );
      const answer = await askAuthz(server.port, nginxStyle(checked.key, { 'x-forwarded-for': from }));
      expect(answer.status, from).toBe(403);
      expect(answer.body).toMatchObject({ reason: 'ip_not_allowed', client_address: from });
    }
    const json = await check('GET', '/v1/users', '--from', '198.51.100.1', '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      allowed: false,
      keyId: checked.id,
      reason: 'ip_not_allowed',
      clientAddress: '198.51.100.1',
      allowedNetworks: ['203.0.113.0/24', '2001:db8::/32'],
    });
  });

  it('without --from, denies a key with networks and says how to check an address; keys without are unaffected', async () => {
    const run = await check('GET', '/v1/users');
    expect(run.code).toBe(1);
    expect(run.stdout.trim()).toBe(
      `denied: key ${checked.id} may be used only from 203.0.113.0/24, 2001:db8::/32; pass --from <address> to check one`,
    );
    expect(JSON.parse((await check('GET', '/v1/users', '--json')).stdout)).toMatchObject({
      reason: 'ip_not_allowed',
      clientAddress: null,
    });
    const anywhere = await runCli(['check', '-', 'GET', '/v1/users', '--from', '198.51.100.1'], env, {
      input: open.key,
    });
    expect(anywhere.code).toBe(0);
  });

  it('refuses a --from that is not one address as a usage mistake (exit 2), before the database', async () => {
    for (const from of ['office', '203.0.113.0/24', '203.0.113.9:443', '999.1.1.1', '']) {
      const run = await runCli(['check', checked.key, 'GET', '/v1/users', '--from', from], env);
      expect(run.code, from).toBe(2);
      expect(run.stderr).toContain('--from must be one IPv4 or IPv6 address');
      expect(run.stderr).not.toContain(checked.key);
    }
  });
});
