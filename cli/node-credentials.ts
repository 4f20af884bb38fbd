/**
 * A node's bearer-token tables: the ingest tokens (collector role) and the
 * console's API tokens (console role). Loaded at start, where a bad file
 * stops the node; then reloaded while it runs (`tokenReload` in the node
 * config: on change, and on SIGHUP through `RunningRoles.reloadCredentials`).
 * A reload swaps a table only when the whole new file is valid, including
 * that every token's org is in the registry; a withdrawn API token also
 * loses its open live views. `follow` takes more files to follow alongside
 * (the link secrets: console/federation/link-secrets.ts).
 */
import type { Logger } from '../collector/sources/types.js';
import { IngestTokens } from '../collector/tokens.js';
import { ApiTokens } from '../console/api-tokens.js';
import { CredentialReloader, readCredentialFile, type CredentialFile } from '../core/credential-reload.js';
import type { OrgRegistry } from '../core/orgs.js';
import type { FileRead } from '../core/watched-file.js';
import type { NodeConfig } from './node-config.js';

export interface NodeCredentials {
  /** Empty when the collector role does not run or the config names no token file. */
  readonly ingest: IngestTokens;
  /** Present when the console role runs with a console section. */
  readonly api: ApiTokens | undefined;
  /**
   * Start following the files (as `config.tokenReload` says). `onApiTokensWithdrawn`
   * hears the ids of API tokens a reload withdrew, e.g. to close their live views.
   */
  follow(
    log: Logger,
    onApiTokensWithdrawn?: (tokenIds: readonly string[]) => void,
    /** More credential files to follow with the token files (a node's link secrets). */
    more?: readonly { credential: CredentialFile; read: FileRead }[],
  ): CredentialReloader;
}

/** Ingest tokens naming orgs the registry lacks are a config error: throws naming them. */
function checkIngestOrgs(tokens: IngestTokens, registry: OrgRegistry): IngestTokens {
  const unknown = tokens.grants().filter((g) => !registry.get(g.orgId));
  if (unknown.length) throw new Error(`ingest tokens name orgs missing from the registry: ${unknown.map((g) => `${g.tokenId} -> ${g.orgId}`).join(', ')}`);
  return tokens;
}

/** Load the token files the roles need; throws (naming the file) when one is missing or invalid. */
export function loadNodeCredentials(config: NodeConfig, roles: { collector: boolean; console: boolean }, registry: OrgRegistry): NodeCredentials {
  const served = config.node.orgs ? new Set(config.node.orgs) : undefined;
  const files: { credential: CredentialFile; read: FileRead }[] = [];

  let ingest = new IngestTokens([]);
  if (roles.collector && config.ingestTokens) {
    const file = config.ingestTokens;
    const { text, read } = readCredentialFile(file);
    ingest = checkIngestOrgs(IngestTokens.parse(text, file, served), registry);
    const inForce = ingest;
    files.push({
      read,
      credential: {
        what: 'ingest tokens', file,
        apply: (next) => {
          const withdrawn = inForce.replaceWith(checkIngestOrgs(IngestTokens.parse(next, file, served), registry));
          return { tokens: inForce.size, withdrawn: withdrawn.length };
        },
      },
    });
  }

  let api: ApiTokens | undefined;
  let onApiWithdrawn: ((ids: readonly string[]) => void) | undefined;
  if (roles.console && config.console) {
    const file = config.console.apiTokens;
    const { text, read } = readCredentialFile(file);
    const inForce = ApiTokens.parse(text, file, registry, served);
    api = inForce;
    files.push({
      read,
      credential: {
        what: 'API tokens', file,
        apply: (next) => {
          const withdrawn = inForce.replaceWith(ApiTokens.parse(next, file, registry, served));
          if (withdrawn.length) onApiWithdrawn?.(withdrawn);
          return { tokens: inForce.size, withdrawn: withdrawn.length };
        },
      },
    });
  }

  return {
    ingest, api,
    follow(log, onApiTokensWithdrawn, more = []) {
      onApiWithdrawn = onApiTokensWithdrawn;
      return new CredentialReloader([...files, ...more], { log, watch: config.tokenReload.watch, checkIntervalMs: config.tokenReload.checkIntervalMs });
    },
  };
}
