import type { DirectMessenger, EncryptedKeyMessage } from '../../src/delivery/types.ts';

/**
 * The delivery port without Slack: keeps what would have been posted (only ciphertext ever reaches it) and fails
 * when `failWith` says so, as the Slack implementation does for `user_not_found` and the like.
 */
export function recordingMessenger(failWith?: (input: EncryptedKeyMessage) => Error | undefined): DirectMessenger & {
  sent: EncryptedKeyMessage[];
} {
  const sent: EncryptedKeyMessage[] = [];
  let counter = 0;
  return {
    sent,
    async sendEncryptedKey(input) {
      sent.push(input);
      const failure = failWith?.(input);
      if (failure !== undefined) throw failure;
      counter += 1;
      return {
        channelId: `D0DM${String(counter).padStart(6, '0')}`,
        messageTs: `1700000000.${String(counter).padStart(6, '0')}`,
      };
    },
  };
}
