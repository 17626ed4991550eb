import type { Key, SignaturePacket } from 'openpgp';

type Verify = SignaturePacket['verify'];

/** Every signature on a key that openpgp may verify while inspecting it (third-party certifications it never checks). */
export function selfSignaturesOf(key: Key): SignaturePacket[] {
  const direct = (key as Key & { directSignatures: SignaturePacket[] }).directSignatures;
  return [
    ...direct,
    ...key.revocationSignatures,
    ...key.users.flatMap((user) => [...user.selfCertifications, ...user.revocationSignatures]),
    ...key.subkeys.flatMap((subkey) => [...subkey.bindingSignatures, ...subkey.revocationSignatures]),
  ];
}

/**
 * openpgp caches a signature's cryptographic check only when it succeeds: a bad signature is checked again by every
 * call that looks at it (revocation, primary user, expiry, encryption subkey: four or five per inspection). Here each
 * signature's outcome is remembered for the same signer, type and date, so a key of bad signatures costs one check per
 * signature and date, like a key of good ones. Only for the key object this inspection parsed.
 */
export function verifyEachSignatureOnce(key: Key): void {
  for (const signature of selfSignaturesOf(key)) {
    const original: Verify = signature.verify.bind(signature);
    const outcomes = new Map<string, Promise<void>>();
    // A wrong signature value is wrong at any date: once seen, it is the answer for every later question.
    let cryptographicFailure: Promise<void> | undefined;
    signature.verify = (verifier, type, data, date, ...rest) => {
      if (cryptographicFailure !== undefined) return cryptographicFailure;
      // Without a date openpgp uses the time of the call: nothing stable to remember it by.
      if (date === undefined) return original(verifier, type, data, date, ...rest);
      const memo = `${verifier.getFingerprint()}|${type}|${date === null ? 'null' : date.getTime()}|${rest[0] === true}`;
      let outcome = outcomes.get(memo);
      if (outcome === undefined) {
        outcome = original(verifier, type, data, date, ...rest);
        outcome.catch((error: unknown) => {
          if (error instanceof Error && CRYPTOGRAPHIC_FAILURES.has(error.message)) cryptographicFailure ??= outcome;
        });
        outcomes.set(memo, outcome);
      }
      return outcome;
    };
  }
}

/** openpgp's messages for a signature whose value does not match (before any date is looked at). */
const CRYPTOGRAPHIC_FAILURES = new Set(['Signature verification failed', 'Signed digest did not match']);
