/**
 * Who a websocket upgrade speaks for. The live server takes any
 * `Authenticate` function (the console's session cookie, API tokens, both);
 * this file holds the token half.
 *
 * Browsers cannot set `Authorization` on a websocket, so a token may also
 * come as a subprotocol next to the protocol itself:
 *
 *   new WebSocket(url, ['iisa.v1', 'iisa.token.' + token])
 *
 * The server answers with `iisa.v1` only, never echoing the token back.
 * Scripts may send `Authorization: Bearer <token>` instead. A token sent as
 * a subprotocol must be an HTTP token (letters, digits, `-._~!#$&'*+^|` and
 * backquote): the API tokens of seeds/ are.
 */
import type { IncomingMessage } from 'node:http';
import type { OrgRegistry } from '../../core/orgs.js';
import { accessOf, type Access } from '../access.js';
import type { ApiTokens } from '../api-tokens.js';

/** Resolves to the caller's access, or undefined to refuse the upgrade with 401. May throw AccessDenied (also 401). */
export type Authenticate = (req: IncomingMessage) => Access | undefined | Promise<Access | undefined>;

/** The protocol the live server speaks; a client offering subprotocols must offer this one. */
export const LiveSubprotocol = 'iisa.v1';
export const TokenSubprotocolPrefix = 'iisa.token.';

/** The subprotocols a handshake offers, in order. */
export function offeredSubprotocols(req: IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  if (header === undefined) return [];
  return header.split(',').map((p) => p.trim()).filter((p) => p.length > 0);
}

/** The API token of an upgrade: `Authorization: Bearer` first, else an `iisa.token.` subprotocol. */
export function upgradeToken(req: IncomingMessage): string | undefined {
  const bearer = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '');
  if (bearer) return bearer[1];
  const offered = offeredSubprotocols(req).find((p) => p.startsWith(TokenSubprotocolPrefix));
  const token = offered?.slice(TokenSubprotocolPrefix.length);
  return token ? token : undefined;
}

/** Authenticate upgrades by API token (./api-tokens.ts), scoped like the REST API (../access.ts). */
export function tokenAuthenticator(tokens: ApiTokens, registry: OrgRegistry): Authenticate {
  return (req) => {
    const token = upgradeToken(req);
    const principal = token === undefined ? undefined : tokens.verify(token);
    return principal && accessOf(principal, registry);
  };
}

/** The first of `authenticators` that knows the caller (e.g. the session cookie, then a token). */
export function firstAuthenticated(...authenticators: readonly Authenticate[]): Authenticate {
  return async (req) => {
    for (const authenticate of authenticators) {
      const access = await authenticate(req);
      if (access) return access;
    }
    return undefined;
  };
}
