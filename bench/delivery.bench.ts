/**
 * Cost of one PGP delivery: encrypt + sign a fresh key for a partner key made by GnuPG (ECC Curve25519 and RSA-4096),
 * against a baseline in the same run (encrypt without signing). Then how long judging a hostile partner key takes
 * (each is refused by a shape rule before any signature is checked). Run: `npm run bench -- delivery`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPgpEncryptor, encryptSecret } from '../src/delivery/encrypt.ts';
import { inspectPublicKey } from '../src/delivery/inspect-public-key.ts';
import { createServiceKeyProvider } from '../src/delivery/service-key.ts';
import { createSecretFormat } from '../src/keys/secret-format.ts';
import { generateKey } from 'openpgp';
import { createGnupgHome } from '../test/helpers/gnupg.ts';
import { type HostileRsaOptions, hostileRsaKey } from '../test/helpers/hostile-pgp-keys.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 400);
const WARMUP = 40;

function stats(samples: number[]): { median: number; p95: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  return { median: at(0.5), p95: at(0.95) };
}

/**
 * Runs the variants interleaved, round after round, so load from anything else on the machine hits them alike and
 * the ratios against the baseline stay fair.
 */
async function measure(
  variants: Record<string, () => Promise<unknown>>,
): Promise<Record<string, { median: number; p95: number }>> {
  const names = Object.keys(variants);
  const samples = Object.fromEntries(names.map((name) => [name, [] as number[]]));
  for (let round = 0; round < WARMUP + RUNS; round++) {
    for (const name of names) {
      const started = performance.now();
      await (variants[name] as () => Promise<unknown>)();
      if (round >= WARMUP) samples[name]?.push(performance.now() - started);
    }
  }
  return Object.fromEntries(names.map((name) => [name, stats(samples[name] as number[])]));
}

const ms = (value: number) => `${value.toFixed(3)} ms`;

const HOSTILE: Record<string, HostileRsaOptions> = {
  'e of 3069 bits, 215 subkeys (the report)': {
    modulusBits: 3072,
    exponentBits: 3069,
    subkeys: 215,
    encryptionSubkeyLast: true,
  },
  'e of 3069 bits, 3 subkeys': { modulusBits: 3072, exponentBits: 3069, subkeys: 3, encryptionSubkeyLast: true },
  '215 subkeys (e = 65537)': { modulusBits: 3072, subkeys: 215, encryptionSubkeyLast: true },
  '60 user IDs': { modulusBits: 3072, userIds: 60 },
  '200 self-signatures on one user ID': { modulusBits: 3072, signaturesPerUserId: 200 },
  '200 KB photo ID': { modulusBits: 3072, photoIds: 1, photoBytes: 200_000 },
  'RSA-8192 (unsigned)': { modulusBits: 8192, sign: false },
  '4 user IDs with 11 bad newer self-signatures each': {
    modulusBits: 3072,
    userIds: 4,
    signaturesPerUserId: 12,
    badNewerSignatures: true,
  },
  // The slowest RSA key still accepted: RSA-4096, e near 2^32, 16 subkeys (only the oldest encrypts), 64 signatures,
  // most of them bad.
  'RSA at every limit (accepted)': {
    modulusBits: 4096,
    exponentBits: 32,
    subkeys: 16,
    userIds: 4,
    signaturesPerUserId: 12,
    badNewerSignatures: true,
    encryptionSubkeyLast: true,
  },
};

/** Elliptic-curve keys at their self-signature limit, made by openpgp: user IDs plus one encryption subkey. */
async function curveKeysAtLimit(): Promise<Array<{ name: string; armored: string }>> {
  const curves = [
    { name: 'ECDSA P-521 at its limit (6 self-signatures)', curve: 'nistP521' as const, userIds: 5 },
    { name: 'ECDSA P-521 over it (8 self-signatures)', curve: 'nistP521' as const, userIds: 7 },
    { name: 'ECDSA P-256 at its limit (24 self-signatures)', curve: 'nistP256' as const, userIds: 16 },
    { name: 'Ed25519 at its limit (16 user IDs, 8 subkeys)', curve: 'ed25519Legacy' as const, userIds: 16, subkeys: 8 },
  ];
  return Promise.all(
    curves.map(async ({ name, curve, userIds, subkeys = 1 }) => {
      const { publicKey } = await generateKey({
        type: 'ecc',
        curve,
        userIDs: Array.from({ length: userIds }, (_, i) => ({ email: `u${i}@bench.example` })),
        subkeys: Array.from({ length: subkeys }, () => ({})),
        format: 'armored',
      });
      return { name, armored: publicKey };
    }),
  );
}

/** Judging time per hostile key: median of a few runs, with the outcome (a refusal code, or what was accepted). */
async function judgeHostileKeys(): Promise<void> {
  const runs = Math.max(3, Math.min(15, Math.round(RUNS / 40)));
  console.log(`\nhostile partner keys: time to judge (inspectPublicKey), median of ${runs} runs`);
  const keys = [
    ...Object.entries(HOSTILE).map(([name, options]) => ({ name, ...hostileRsaKey(options) })),
    ...(await curveKeysAtLimit()).map((key) => ({ ...key, bytes: key.armored.length * 0.75 })),
  ];
  for (const { name, armored, bytes } of keys) {
    const samples: number[] = [];
    let outcome = '';
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      outcome = await inspectPublicKey(armored).then(
        (info) => `ACCEPTED (${info.algorithm})`,
        (error: { code?: string }) => `refused ${error.code ?? String(error)}`,
      );
      samples.push(performance.now() - started);
    }
    console.log(
      `    ${name.padEnd(50)}${`${Math.round(bytes / 1024)} KB`.padStart(7)}  ${ms(stats(samples).median).padStart(12)}  ${outcome}`,
    );
  }
}

async function main(): Promise<void> {
  const gpg = await createGnupgHome();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'hk-bench-pgp-'));
  try {
    const serviceKey = createServiceKeyProvider({ dataDir });
    const { privateKey } = await serviceKey.get();
    const encryptor = createPgpEncryptor(serviceKey);
    const format = createSecretFormat('hk');

    const ecc = await gpg.generate('Bench ECC <ecc@bench.example>', 'future-default', 'default', 'never');
    const rsa = await gpg.generate('Bench RSA <rsa@bench.example>', 'rsa4096', 'sign', 'never');
    await gpg.addSubkey(rsa, 'rsa4096', 'encr');
    const recipients = [
      { name: 'ECC (ed25519/cv25519)', armored: await gpg.exportPublic(ecc) },
      { name: 'RSA-4096', armored: await gpg.exportPublic(rsa) },
    ];

    console.log(`delivery encryption: ${RUNS} runs each after ${WARMUP} warm-up, median / p95 per delivery`);
    for (const recipient of recipients) {
      const info = await inspectPublicKey(recipient.armored);
      const { baseline, signed, full, inspect } = (await measure({
        baseline: () => encryptSecret(format.generate(), info, undefined),
        signed: () => encryptSecret(format.generate(), info, privateKey),
        full: () => encryptor.encryptAndSign(format.generate(), recipient.armored),
        inspect: () => inspectPublicKey(recipient.armored),
      })) as Record<'baseline' | 'signed' | 'full' | 'inspect', { median: number; p95: number }>;
      const size = (await encryptor.encryptAndSign(format.generate(), recipient.armored)).armoredMessage.length;
      const row = (label: string, value: { median: number; p95: number }, ratio = true) =>
        console.log(
          `    ${label.padEnd(36)}${ms(value.median)} / ${ms(value.p95)}${ratio ? `   (${(value.median / baseline.median).toFixed(2)}x baseline)` : ''}`,
        );
      console.log(`  recipient ${recipient.name}`);
      row('baseline: encrypt only', baseline, false);
      row('encrypt + sign', signed);
      row('inspect key', inspect, false);
      row('per delivery: inspect+encrypt+sign', full);
      console.log(`    ${'armored message'.padEnd(36)}${size} chars`);
    }
    await judgeHostileKeys();
  } finally {
    await gpg.dispose();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
