import type { AuthzResponse } from './authz-exchange.ts';
import { type JsonBody, jsonBody, withRequestId } from './authz-answer.ts';
import { CLIENT_ADDRESS_HEADER, DENIED_REASON_HEADER, REQUIRED_PERMISSION_HEADER } from './authz-contract.ts';
import { FORBIDDEN_MESSAGES, TOKEN_MESSAGES, UNAUTHENTICATED_MESSAGES } from './authz-messages.ts';
import type { ClientIpSource } from './client-address.ts';
import { headerSafe } from './key-index.ts';

/** The 401 and 403 answers of `/authz`, their bodies built once where they do not depend on the request. */
export function createRefusals(deps: { realm: string; clientIp: ClientIpSource }) {
  const { clientIp } = deps;
  const challenge = `Basic realm="${headerSafe(deps.realm).replace(/["\\]/g, '')}", charset="UTF-8"`;
  const unauthenticatedBodies = new Map(
    Object.entries(UNAUTHENTICATED_MESSAGES).map(([reason, message]) => [
      reason,
      jsonBody({ error: 'unauthorized', reason, message }),
    ]),
  );

  /** One writeHead for every refusal: never cached, JSON, with the answer's own headers after the common ones. */
  function refuse(
    res: AuthzResponse,
    status: 401 | 403,
    body: JsonBody,
    extra: readonly string[],
    requestId: string | undefined,
  ): void {
    const headers = [
      'cache-control',
      'no-store',
      'content-type',
      'application/json',
      'content-length',
      body.length,
      ...extra,
    ];
    res.writeHead(status, withRequestId(headers, requestId));
    res.end(body.text);
  }

  function unauthorized(res: AuthzResponse, reason: string, requestId: string | undefined): void {
    refuse(res, 401, unauthenticatedBodies.get(reason) as JsonBody, ['www-authenticate', challenge], requestId);
  }

  function forbidden(
    res: AuthzResponse,
    reason: string,
    keyId: string | undefined,
    permission: string | undefined,
    requestId: string | undefined,
  ): void {
    const fields: Record<string, string> = {
      error: 'forbidden',
      reason,
      message: FORBIDDEN_MESSAGES[reason] ?? reason,
    };
    if (permission !== undefined) fields.required_permission = permission;
    if (keyId !== undefined) fields.key_id = keyId;
    const extra = permission === undefined ? [] : [REQUIRED_PERMISSION_HEADER, headerSafe(permission)];
    refuse(res, 403, jsonBody(fields), extra, requestId);
  }

  /** 403 ip_not_allowed, naming the address seen (or its absence) in the body and, when it is one, in a header. */
  function notAllowedFrom(res: AuthzResponse, address: string, keyId: string, requestId: string | undefined): void {
    const fields: Record<string, string> = {
      error: 'forbidden',
      reason: 'ip_not_allowed',
      message:
        address === ''
          ? `This API key may be used only from certain networks, and the request came with no client address (${clientIp.header}).`
          : `This API key may not be used from ${address}: it may be used only from certain networks.`,
      client_address: address,
      key_id: keyId,
    };
    const extra = [DENIED_REASON_HEADER, 'ip_not_allowed'];
    if (address !== '' && address !== '(not an IP address)') extra.push(CLIENT_ADDRESS_HEADER, address);
    refuse(res, 403, jsonBody(fields), extra, requestId);
  }

  const bearerRealm = `realm="${headerSafe(deps.realm).replace(/["\\]/g, '')}"`;
  const tokenBodies = new Map(
    Object.entries(TOKEN_MESSAGES).map(([reason, message]) => [
      reason,
      jsonBody({ error: 'unauthorized', reason, message }),
    ]),
  );

  function tokenRefused(res: AuthzResponse, reason: string, requestId: string | undefined): void {
    const description = reason === 'token_expired' ? 'The access token expired' : (TOKEN_MESSAGES[reason] as string);
    refuse(
      res,
      401,
      tokenBodies.get(reason) as JsonBody,
      [
        'www-authenticate',
        `Bearer ${bearerRealm}, error="invalid_token", error_description="${description.replace(/["\\]/g, '')}"`,
      ],
      requestId,
    );
  }

  /** 403 insufficient_scope: the token's client may hold the scope, the token was not issued for it. */
  function insufficientScope(
    res: AuthzResponse,
    label: string,
    scope: string,
    keyId: string,
    requestId: string | undefined,
  ): void {
    const fields = {
      error: 'forbidden',
      reason: 'insufficient_scope',
      message: FORBIDDEN_MESSAGES.insufficient_scope as string,
      required_permission: label,
      required_scope: scope,
      key_id: keyId,
    };
    refuse(
      res,
      403,
      jsonBody(fields),
      [
        REQUIRED_PERMISSION_HEADER,
        headerSafe(label),
        'www-authenticate',
        `Bearer ${bearerRealm}, error="insufficient_scope", scope="${scope}"`,
      ],
      requestId,
    );
  }

  return { unauthorized, forbidden, notAllowedFrom, tokenRefused, insufficientScope };
}

export type Refusals = ReturnType<typeof createRefusals>;
