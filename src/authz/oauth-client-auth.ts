import type { IncomingMessage } from 'node:http';
import { stoppedAt } from '../keys/key-state.ts';
import type { SecretFormat } from '../keys/secret-format.ts';
import type { Logger } from '../logger.ts';
import { type ClientIpSource, refusedAddress, reportedAddress } from './client-address.ts';
import type { FailureLimiter } from './failure-limiter.ts';
import type { IndexSync } from './index-sync.ts';
import type { IndexEntry, KeyIndex } from './key-index.ts';
import { Refusal } from './oauth-answer.ts';
import type { OAuthEvents } from './oauth-events.ts';
import { formDecode } from './oauth-request.ts';

const CLIENT_ID = /^hkc_[0-9A-Za-z]{24}$/;

export interface AuthenticatedClient {
  entry: IndexEntry;
  clientId: string;
  index: KeyIndex;
}

/**
 * §2.3.1 client authentication against the live key index (secrets by their keyed digest, as keys are found by
 * /authz); failures are audited and count against the per-client and per-address limits.
 */
export function createClientAuthenticator(deps: {
  sync: IndexSync;
  secretFormat: SecretFormat;
  indexKey: (secret: string) => string;
  events: OAuthEvents;
  logger: Logger;
  clientIp: ClientIpSource;
  limits: { perClient: FailureLimiter; perAddress: FailureLimiter };
}) {
  const { sync, secretFormat, indexKey, events, logger, clientIp, limits } = deps;
  const basicChallenge = 'Basic realm="harvest-keys oauth", charset="UTF-8"';

  function addressOf(req: IncomingMessage): string {
    return reportedAddress(req.headers, clientIp) || req.socket.remoteAddress || '';
  }

  function currentIndex(): KeyIndex {
    const index = sync.current();
    if (index === undefined || sync.freshness(Date.now()) !== 'fresh')
      throw new Refusal(
        503,
        'temporarily_unavailable',
        'Client decisions are unavailable: the key index is not current.',
        {
          'retry-after': '1',
        },
      );
    return index;
  }

  function failed(
    req: IncomingMessage,
    clientId: string | null,
    reason: string,
    method: string,
    nowMs: number,
    usedBasic: boolean,
  ): Refusal {
    const address = addressOf(req);
    if (clientId !== null) limits.perClient.recordFailure(clientId, nowMs);
    if (address !== '') limits.perAddress.recordFailure(address, nowMs);
    events
      .clientAuthFailed({ clientId, address, reason, method })
      .catch((error: unknown) =>
        logger.warn({ err: error, clientId, reason }, 'could not audit a failed client authentication'),
      );
    return new Refusal(
      401,
      'invalid_client',
      'Client authentication failed: unknown client, wrong secret, or a client id and secret that do not belong together.',
      usedBasic ? { 'www-authenticate': basicChallenge } : {},
    );
  }

  /** §2.3.1: HTTP Basic or client_secret_post, never both; the client as the live index knows it. */
  function authenticate(req: IncomingMessage, params: Map<string, string>, nowMs: number): AuthenticatedClient {
    const authorization = req.headers.authorization;
    let clientId: string | undefined;
    let secret: string | undefined;
    let method = 'client_secret_post';
    const usedBasic = authorization !== undefined;
    if (authorization !== undefined) {
      method = 'client_secret_basic';
      const space = authorization.indexOf(' ');
      const scheme = space === -1 ? authorization : authorization.slice(0, space);
      const decoded =
        scheme.toLowerCase() === 'basic'
          ? Buffer.from(authorization.slice(space + 1).trim(), 'base64').toString('utf8')
          : '';
      const colon = decoded.indexOf(':');
      if (colon === -1)
        throw new Refusal(401, 'invalid_client', 'Send the client id and secret as HTTP Basic credentials.', {
          'www-authenticate': basicChallenge,
        });
      clientId = formDecode(decoded.slice(0, colon));
      secret = formDecode(decoded.slice(colon + 1));
      if (params.has('client_secret'))
        throw new Refusal(
          400,
          'invalid_request',
          'Use one client authentication method: HTTP Basic or client_secret in the body, not both.',
        );
      const named = params.get('client_id');
      if (named !== undefined && named !== clientId)
        throw new Refusal(
          400,
          'invalid_request',
          'The client_id in the body is not the one in the Authorization header.',
        );
    } else {
      clientId = params.get('client_id');
      secret = params.get('client_secret');
    }
    if (clientId === undefined || clientId === '' || secret === undefined || secret === '') {
      throw new Refusal(
        401,
        'invalid_client',
        'No client authentication: send client_id and client_secret (HTTP Basic or in the body).',
        { 'www-authenticate': basicChallenge },
      );
    }
    const shownId = CLIENT_ID.test(clientId) ? clientId : null;
    const address = addressOf(req);
    const wait = Math.max(
      shownId === null ? 0 : limits.perClient.blockedFor(shownId, nowMs),
      address === '' ? 0 : limits.perAddress.blockedFor(address, nowMs),
    );
    if (wait > 0)
      throw new Refusal(
        429,
        'temporarily_unavailable',
        `Too many failed client authentications for this client or from this address: try again in ${wait} s.`,
        { 'retry-after': String(wait) },
      );
    if (shownId === null) throw failed(req, null, 'malformed_client_id', method, nowMs, usedBasic);
    const index = currentIndex();
    if (!secretFormat.check(secret).ok) throw failed(req, shownId, 'malformed_secret', method, nowMs, usedBasic);
    const entry = index.lookup(indexKey(secret));
    if (entry === undefined) throw failed(req, shownId, 'unknown_secret', method, nowMs, usedBasic);
    if (entry.clientId === null)
      throw new Refusal(
        400,
        'unauthorized_client',
        'This secret is a Harvest API key, not a Harvest v3 client secret: send it to the API as it is.',
      );
    if (entry.clientId !== shownId) throw failed(req, shownId, 'client_id_mismatch', method, nowMs, usedBasic);
    const stopped = stoppedAt(entry, nowMs);
    if (stopped !== null)
      throw new Refusal(
        400,
        'unauthorized_client',
        `The client ${shownId} is ${stopped === 'expired' ? 'expired' : 'revoked'}.`,
      );
    if (entry.networks !== null && refusedAddress(req.headers, clientIp, entry.networks) !== null)
      throw new Refusal(400, 'unauthorized_client', `The client ${shownId} may be used only from certain networks.`);
    return { entry, clientId: shownId, index };
  }

  return authenticate;
}

export type ClientAuthenticator = ReturnType<typeof createClientAuthenticator>;
