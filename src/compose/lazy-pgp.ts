import type { Config } from '../config.ts';
import type { PgpEncryptor } from '../delivery/encrypt.ts';
import type { ServiceSigningKey } from '../delivery/service-key.ts';
import type { PgpKeyInfo } from '../partners/pgp-key-info.ts';

/**
 * openpgp is a large share of the module graph: it loads on first use (the signing key, a delivery, a partner's
 * key), not on every start of the server or the CLI.
 */
export function lazyPgp(config: Config): {
  serviceKey: { get(): Promise<ServiceSigningKey> };
  pgp: PgpEncryptor;
  inspectPublicKey: (armored: string, now: Date) => Promise<PgpKeyInfo>;
} {
  let provider: Promise<{ get(): Promise<ServiceSigningKey> }> | undefined;
  const serviceKey = {
    async get(): Promise<ServiceSigningKey> {
      provider ??= import('../delivery/service-key.ts').then(({ createServiceKeyProvider }) =>
        createServiceKeyProvider({
          privateArmored: config.servicePgp.privateKey,
          passphrase: config.servicePgp.passphrase,
          dataDir: config.dataDir,
        }),
      );
      return (await provider).get();
    },
  };
  return {
    serviceKey,
    pgp: {
      async encryptAndSign(...args) {
        const { createPgpEncryptor } = await import('../delivery/encrypt.ts');
        return createPgpEncryptor(serviceKey).encryptAndSign(...args);
      },
    },
    inspectPublicKey: async (armored, now) =>
      (await import('../delivery/inspect-public-key.ts')).inspectPublicKey(armored, now),
  };
}
