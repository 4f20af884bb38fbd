/**
 * A node's configuration file (YAML or JSON), validated once at start-up.
 * Relative paths are resolved against the directory of the config file.
 *
 *   node: { id: demo-js, tier: provincial }
 *   registry: ../seeds/orgs.yaml
 *   dataDir: ../data/demo-js
 *   store: { type: sqlite, synchronous: full, retentionDays: 180 }
 *     or { type: elasticsearch, elasticsearch: { url: 'https://es:9200' } }
 *   bus: { type: memory, capacity: 10000 }
 *     or { type: kafka, kafka: { brokers: ['kafka:9092'] } }
 *   console: { listen: { host: '::', port: 8443 }, apiTokens: ../seeds/api-tokens.yaml }
 *     listen may take tls: { certFile: ../pki/console.pem, keyFile: ../pki/console.key, caFile?: ../pki/clients-ca.pem }
 *   ingestTokens: ../seeds/tokens.yaml
 *   tokenReload: { watch: true, checkIntervalMs: 2000 }   # token files reloaded on change (and on SIGHUP)
 *   sources:
 *     - { type: http, listen: { host: '::', port: 8080 } }
 *     - { type: syslog-udp, listen: { port: 5514 }, org: ent-js-auto-01, parser: iptables }
 *   forward: { url: 'https://[2001:db8::10]:8080', tokens: [{ org: ent-js-auto-01, parser: iptables, token: { env: IISA_FWD } }] }
 *     (iisa collector: the records go to that node through a disk spool; collector/forward/config.ts)
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError, describeIssues, loadConfigFile, deepFreeze } from '../core/config.js';
import { sourceUnit, sourceTypes } from '../collector/sources/index.js';
import { TlsListenSchema } from '../collector/sources/listen.js';
import { BusSectionSchema } from '../core/bus/open.js';
import { StoreSectionSchema } from '../core/store/open.js';
import { FederationSectionSchema, type FederationSection } from '../console/federation/config.js';
import { JobsSectionSchema } from '../console/jobs/jobs.js';
import { AccountsConfigFields } from '../console/accounts/config.js';
import { ForwardSectionSchema, resolveForwardPaths } from '../collector/forward/config.js';

/** Short enough that an alert reaches a browser within 50 ms of the last one; long enough that a burst is a few frames, not thousands. */
export const DEFAULT_LIVE_BATCH_MS = 25;

const ConsoleSectionSchema = z.strictObject({
  listen: TlsListenSchema.describe('where the REST API, the live views (/ws) and the web console listen; host :: is dual-stack; tls: { certFile, keyFile, caFile? } serves them over HTTPS (caFile: clients need a certificate from it)'),
  apiTokens: z.string().describe('path of the API token list (YAML): each token speaks for one org'),
  liveBatchMs: z.number().int().min(0).max(10_000).default(DEFAULT_LIVE_BATCH_MS)
    .describe('shortest interval between two live frames to one browser: changes within it go out together (a burst is one frame)'),
  ...AccountsConfigFields,
});

export const NodeConfigSchema = z.strictObject({
  node: z.strictObject({
    id: z.string().min(1).describe('name of this installation, used in logs and federation'),
    tier: z.enum(['enterprise', 'provincial', 'national']),
    orgs: z.array(z.string()).optional().describe('orgs this node serves; default: every org of the registry'),
    stopTimeoutSeconds: z.number().int().min(1).max(3600).default(30)
      .describe('on SIGTERM/SIGINT, how long the node may take to stop (finish batches, commit, close) before it exits anyway; nothing acknowledged is lost either way, it was durable before it was acknowledged'),
  }),
  registry: z.string().describe('path of the org registry YAML'),
  dataDir: z.string().default('./data').describe('where the store, file offsets and state live'),
  store: StoreSectionSchema.default({ type: 'sqlite', synchronous: 'full', retentionDays: 180 }),
  bus: BusSectionSchema.default({ type: 'memory', capacity: 10_000 }),
  ingestTokens: z.string().optional().describe('path of the ingest token list (YAML)'),
  tokenReload: z.strictObject({
    watch: z.boolean().default(true).describe('reload ingestTokens and console.apiTokens when they change; false: only on SIGHUP'),
    checkIntervalMs: z.number().int().min(100).default(2000).describe('how often the token files are checked, besides file-system notifications'),
  }).prefault({}).describe('token files are reloaded without a restart; a file that does not validate leaves the tokens in force as they were'),
  detector: z.strictObject({
    rules: z.array(z.string()).min(1).describe('Sigma rule files and folders'),
    reloadIntervalMs: z.number().int().positive().default(2000).describe('how often rule files are checked for changes'),
    quietBeforeClockMs: z.number().int().min(0).default(10_000)
      .describe('how long an org must send nothing before its correlation clock moves on with the wall clock (raise it when replaying backlogs faster than real time)'),
    gradingPolicy: z.string().optional().describe('grading policy YAML; default: rules/grading.policy.yml of this installation'),
    dedupWindowMinutes: z.number().positive().default(60).describe('hits of one rule, org and entity less than this apart count on one alert'),
  }).optional().describe('run the Sigma rules on every stored event; absent: no detection on this node'),
  console: ConsoleSectionSchema.optional().describe('serve the REST API; absent: no console on this node'),
  jobs: JobsSectionSchema.prefault({}).describe('scheduled jobs: posture summaries, overdue tasks, reminders, silent sources, retention, scheduled searches'),
  federation: FederationSectionSchema.optional().describe('links to the parent node and from child nodes; absent: a node on its own'),
  sources: z.array(z.looseObject({ type: z.string() })).default([]),
  forward: ForwardSectionSchema.optional()
    .describe("send the sources' raw records to a remote node's HTTP ingest through a disk spool, instead of parsing them into a store here (iisa collector)"),
  log: z.strictObject({
    level: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  }).default({ level: 'info' }),
});

export type NodeConfig = z.output<typeof NodeConfigSchema> & {
  /** Each source's config, validated by its own unit's schema. */
  readonly sourceConfigs: readonly { type: string; config: unknown }[];
  /** Directory of the config file; relative paths were resolved against it. */
  readonly baseDir: string;
};

/** Load, validate (every problem at once, naming the key) and resolve paths. */
export function loadNodeConfig(file: string): NodeConfig {
  const raw = loadConfigFile(file, NodeConfigSchema);
  return finishNodeConfig(raw, file);
}

/** Validate an in-memory config as if it came from `file` (tests, the demo). */
export function finishNodeConfig(raw: z.output<typeof NodeConfigSchema>, file: string): NodeConfig {
  const baseDir = dirname(resolve(file));
  const at = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const problems: string[] = [];
  const sourceConfigs = raw.sources.map((source, i) => {
    const unit = sourceUnit(source.type);
    if (!unit) {
      problems.push(`sources[${i}].type: unknown source type "${source.type}" (known: ${sourceTypes().join(', ')})`);
      return { type: source.type, config: undefined };
    }
    // A source's `path` (file tail) and its listener's TLS files are relative to the config file like every other path.
    const withPath = typeof source.path === 'string' ? { ...source, path: at(source.path) } : source;
    const withTls = isRecord(withPath.listen) && isRecord(withPath.listen.tls)
      ? { ...withPath, listen: { ...withPath.listen, tls: resolveTlsFiles(withPath.listen.tls, at) } }
      : withPath;
    const parsed = unit.configSchema.safeParse(withTls);
    if (!parsed.success) {
      problems.push(...describeIssues(parsed.error).map((p) => `sources[${i}].${p.startsWith('(') ? p.replace('(top level)', '') : p}`));
      return { type: source.type, config: undefined };
    }
    return { type: source.type, config: parsed.data };
  });
  if (problems.length) throw new ConfigError(file, problems);
  return deepFreeze({
    ...raw,
    registry: at(raw.registry),
    dataDir: at(raw.dataDir),
    store: raw.store.type === 'sqlite' ? { ...raw.store, path: at(raw.store.path ?? resolve(at(raw.dataDir), 'iisa.db')) } : raw.store,
    ...(raw.console ? {
      console: {
        ...raw.console, apiTokens: at(raw.console.apiTokens),
        ...(raw.console.listen.tls ? { listen: { ...raw.console.listen, tls: resolveTlsFiles(raw.console.listen.tls, at) } } : {}),
        ...(raw.console.accounts ? { accounts: at(raw.console.accounts) } : {}),
      },
    } : {}),
    ...(raw.ingestTokens ? { ingestTokens: at(raw.ingestTokens) } : {}),
    ...(raw.detector ? {
      detector: { ...raw.detector, rules: raw.detector.rules.map(at), ...(raw.detector.gradingPolicy ? { gradingPolicy: at(raw.detector.gradingPolicy) } : {}) },
    } : {}),
    ...(raw.federation ? { federation: resolveFederationPaths(raw.federation, at) } : {}),
    ...(raw.forward ? { forward: resolveForwardPaths(raw.forward, at, at(raw.dataDir)) } : {}),
    sourceConfigs,
    baseDir,
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A listener's `tls` with its file paths resolved. A source's `tls` is not
 * validated yet (its unit's schema does that next), so only string paths are
 * touched and anything else is left for the schema to name.
 */
function resolveTlsFiles<T extends Record<string, unknown>>(tls: T, at: (p: string) => string): T {
  const resolved: Record<string, unknown> = { ...tls };
  for (const name of ['certFile', 'keyFile', 'caFile'] as const) {
    const value = resolved[name];
    if (typeof value === 'string') resolved[name] = at(value);
  }
  return resolved as T;
}

/** Secret files and TLS files are relative to the config file like every other path. */
function resolveFederationPaths(f: FederationSection, at: (p: string) => string): FederationSection {
  const secret = <S extends FederationSection['children'][number]['secret']>(source: S): S => ('file' in source ? { ...source, file: at(source.file) } : source);
  return {
    ...f,
    ...(f.parent ? {
      parent: {
        ...f.parent, secret: secret(f.parent.secret),
        ...(f.parent.tls ? { tls: { caFile: at(f.parent.tls.caFile), ...(f.parent.tls.certFile ? { certFile: at(f.parent.tls.certFile) } : {}), ...(f.parent.tls.keyFile ? { keyFile: at(f.parent.tls.keyFile) } : {}) } } : {}),
      },
    } : {}),
    children: f.children.map((c) => ({ ...c, secret: secret(c.secret), previousSecrets: c.previousSecrets.map(secret) })),
    ...(f.tls ? { tls: { certFile: at(f.tls.certFile), keyFile: at(f.tls.keyFile), caFile: at(f.tls.caFile) } } : {}),
  };
}

