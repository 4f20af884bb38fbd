/**
 * Handle System protocol codes (RFC 3652 and the HANDLE.NET 9 reference
 * implementation, `net.handle.hdllib.AbstractMessage`), plus the ones the
 * Chinese industrial identifier (IDIS) nodes add. Shared by the Handle access
 * log and the resolver-node JSON parsers so both name codes the same way.
 */

/** One operation: the protocol's constant name and the short verb iisa uses in `event.action` and `idres.query_type`. */
export interface HandleOp {
  readonly name: string;
  readonly verb: string;
}

/** Op codes by number. */
export const HANDLE_OPS: Readonly<Record<number, HandleOp>> = {
  0: { name: 'RESERVED', verb: 'reserved' },
  1: { name: 'RESOLUTION', verb: 'resolve' },
  2: { name: 'GET_SITE_INFO', verb: 'site-info' },
  100: { name: 'CREATE_HANDLE', verb: 'create' },
  101: { name: 'DELETE_HANDLE', verb: 'delete' },
  102: { name: 'ADD_VALUE', verb: 'add-value' },
  103: { name: 'REMOVE_VALUE', verb: 'remove-value' },
  104: { name: 'MODIFY_VALUE', verb: 'modify-value' },
  105: { name: 'LIST_HANDLES', verb: 'list' },
  106: { name: 'LIST_DERIVED_PREFIXES', verb: 'list-prefixes' },
  200: { name: 'RESPONSE_TO_CHALLENGE', verb: 'challenge-response' },
  201: { name: 'VERIFY_CHALLENGE', verb: 'verify-challenge' },
  300: { name: 'HOME_NA', verb: 'home-prefix' },
  301: { name: 'UNHOME_NA', verb: 'unhome-prefix' },
  302: { name: 'LIST_HOMED_NAS', verb: 'list-homed' },
  400: { name: 'SESSION_SETUP', verb: 'session-setup' },
  401: { name: 'SESSION_TERMINATE', verb: 'session-terminate' },
  402: { name: 'SESSION_EXCHANGEKEY', verb: 'session-exchange-key' },
  1000: { name: 'GET_NEXT_TXN_ID', verb: 'next-txn-id' },
  1001: { name: 'RETRIEVE_TXN_LOG', verb: 'retrieve-txn-log' },
  1002: { name: 'DUMP_HANDLES', verb: 'dump' },
  1003: { name: 'BACKUP_SERVER', verb: 'backup' },
  2001: { name: 'LOGIN_ID_SYSTEM', verb: 'login' }, // IDIS: log in to the identifier system
};

/** The op for a code; unknown codes get a synthetic name so events still say what was logged. */
export function handleOp(code: number): HandleOp {
  return HANDLE_OPS[code] ?? { name: `OP_${code}`, verb: `op-${code}` };
}

/** One response code: its name and whether the request counts as done. Referrals are normal answers. */
export interface HandleResponse {
  readonly name: string;
  readonly outcome: 'success' | 'failure' | 'unknown';
  /** The client was refused for who it is (authentication or authorisation), not for what it asked. */
  readonly denied?: boolean;
}

/** Response codes by number. */
export const HANDLE_RESPONSES: Readonly<Record<number, HandleResponse>> = {
  0: { name: 'RESERVED', outcome: 'unknown' },
  1: { name: 'SUCCESS', outcome: 'success' },
  2: { name: 'ERROR', outcome: 'failure' },
  3: { name: 'SERVER_TOO_BUSY', outcome: 'failure' },
  4: { name: 'PROTOCOL_ERROR', outcome: 'failure' },
  5: { name: 'OPERATION_NOT_SUPPORTED', outcome: 'failure' },
  6: { name: 'RECURSION_COUNT_TOO_HIGH', outcome: 'failure' },
  7: { name: 'SERVER_BACKUP', outcome: 'failure' },
  100: { name: 'HANDLE_NOT_FOUND', outcome: 'failure' },
  101: { name: 'HANDLE_ALREADY_EXISTS', outcome: 'failure' },
  102: { name: 'INVALID_HANDLE', outcome: 'failure' },
  200: { name: 'VALUES_NOT_FOUND', outcome: 'failure' },
  201: { name: 'VALUE_ALREADY_EXISTS', outcome: 'failure' },
  202: { name: 'INVALID_VALUE', outcome: 'failure' },
  300: { name: 'OUT_OF_DATE_SITE_INFO', outcome: 'failure' },
  301: { name: 'SERVER_NOT_RESP', outcome: 'failure' },
  302: { name: 'SERVICE_REFERRAL', outcome: 'success' },
  303: { name: 'PREFIX_REFERRAL', outcome: 'success' },
  400: { name: 'INVALID_ADMIN', outcome: 'failure', denied: true },
  401: { name: 'INSUFFICIENT_PERMISSIONS', outcome: 'failure', denied: true },
  402: { name: 'AUTHENTICATION_NEEDED', outcome: 'failure', denied: true },
  403: { name: 'AUTHENTICATION_FAILED', outcome: 'failure', denied: true },
  404: { name: 'INVALID_CREDENTIAL', outcome: 'failure', denied: true },
  405: { name: 'AUTHEN_TIMEOUT', outcome: 'failure', denied: true },
  406: { name: 'AUTHEN_ERROR', outcome: 'failure', denied: true },
  500: { name: 'SESSION_TIMEOUT', outcome: 'failure' },
  501: { name: 'SESSION_FAILED', outcome: 'failure' },
  502: { name: 'INVALID_SESSION_KEY', outcome: 'failure' },
  503: { name: 'NEED_RSAKEY_FOR_SESSIONEXCHANGE', outcome: 'failure' },
  504: { name: 'INVALID_SESSIONSETUP_REQUEST', outcome: 'failure' },
  505: { name: 'SESSION_MESSAGE_REJECTED', outcome: 'failure' },
  // IDIS additions
  601: { name: 'CLIENT_CHANNEL_ERROR', outcome: 'failure' },
  602: { name: 'CLIENT_TIME_OUT', outcome: 'failure' },
  603: { name: 'REQUEST_LIMIT_DAILY', outcome: 'failure', denied: true },
  604: { name: 'REGISTER_COUNT_LIMIT', outcome: 'failure', denied: true },
  605: { name: 'PREFIX_LIMIT', outcome: 'failure', denied: true },
};

const RESPONSES_BY_NAME: ReadonlyMap<string, HandleResponse> = new Map(
  Object.values(HANDLE_RESPONSES).map((r) => [r.name, r]),
);

/** The response for a code; an unknown code keeps its number as its name and an unknown outcome. */
export function handleResponse(code: number): HandleResponse {
  return HANDLE_RESPONSES[code] ?? { name: String(code), outcome: 'unknown' };
}

/**
 * The response for a status as a resolver node writes it: a code name in any
 * case, with or without the `RC_` prefix (`SUCCESS`, `rc_handle_not_found`).
 * Null when the name is not one the Handle protocol defines.
 */
export function handleResponseByName(name: string): HandleResponse | null {
  const upper = name.trim().toUpperCase().replace(/^RC_/, '');
  return RESPONSES_BY_NAME.get(upper) ?? null;
}

/**
 * Split a handle into prefix and suffix at the first `/` (RFC 3650: the
 * prefix is the naming authority, the suffix may itself contain `/`). A
 * handle without `/` is all prefix (a prefix handle such as `88.101`).
 */
export function splitHandle(identifier: string): { prefix: string; suffix?: string } {
  const slash = identifier.indexOf('/');
  if (slash === -1) return { prefix: identifier };
  return { prefix: identifier.slice(0, slash), suffix: identifier.slice(slash + 1) };
}
