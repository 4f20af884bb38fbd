/**
 * A forwarding collector's output, put together from the `forward` section:
 * the disk spool, the sender that drains it to the remote node, and the
 * SourceContext the sources write into.
 *
 * Stopping runs in two steps around the sources' own stop:
 *   admitWaiting()   before the sources stop: batches they hold may go over
 *                    the spool bound instead of being lost (nothing new
 *                    arrives once their listeners are closed)
 *   close()          after: the sender stops (a request in flight is
 *                    abandoned and sent again next time), the spool closes
 */
import type { Logger, Metrics, SourceContext, TokenVerifier } from '../sources/types.js';
import { readToken, type ForwardSection } from './config.js';
import { ForwardingContext } from './context.js';
import { IngestClient } from './ingest-client.js';
import { ForwardSender } from './sender.js';
import { Spool } from './spool.js';

export interface ForwarderDeps {
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Defaults to process.env: where `{ env: NAME }` tokens are read. */
  readonly env?: NodeJS.ProcessEnv;
}

function pairKey(org: string, parser: string): string {
  return `${org}\u0000${parser}`;
}

export class Forwarder {
  private contexts: ForwardingContext[] = [];
  private closing: Promise<void> | undefined;

  private constructor(
    readonly spool: Spool,
    private readonly sender: ForwardSender,
    private readonly client: IngestClient,
    private readonly tokens: ReadonlyMap<string, string>,
    private readonly deps: ForwarderDeps,
  ) {}

  /**
   * Read the tokens and TLS files (throwing, naming the one that cannot be
   * read), open the spool and start delivering.
   */
  static async start(config: ForwardSection, deps: ForwarderDeps): Promise<Forwarder> {
    const tokens = new Map<string, string>();
    config.tokens.forEach((t, i) => {
      try {
        tokens.set(pairKey(t.org, t.parser), readToken(t.token, deps.env));
      } catch (err) {
        throw new Error(`forward.tokens[${i}] (org ${t.org}, parser ${t.parser}): ${(err as Error).message}`);
      }
    });
    const client = new IngestClient({ url: config.url, timeoutMs: config.timeoutMs, gzip: config.batch.gzip, ...(config.tls ? { tls: config.tls } : {}) });
    const dir = config.spool.dir;
    if (!dir) throw new Error('forward.spool.dir is not set (the node config sets it from dataDir)');
    let spool: Spool;
    try {
      spool = await Spool.open({ dir, maxBytes: config.spool.maxBytes, segmentBytes: config.spool.segmentBytes, log: deps.log });
    } catch (err) {
      client.close();
      throw new Error(`forward spool ${dir}: ${(err as Error).message}`, { cause: err });
    }
    const sender = new ForwardSender({
      spool, client, tokenFor: (org, parser) => tokens.get(pairKey(org, parser)),
      batch: config.batch, retry: config.retry, log: deps.log, metrics: deps.metrics,
    });
    sender.start();
    deps.log.info('forwarding to a remote node', { url: client.url, spool: dir, spoolBytes: spool.usedBytes, spooledRecords: spool.pendingRecords, maxBytes: config.spool.maxBytes });
    return new Forwarder(spool, sender, client, tokens, deps);
  }

  /** True when forward.tokens has a token for this org and parser. */
  covers(org: string, parser: string): boolean {
    return this.tokens.has(pairKey(org, parser));
  }

  /** The context sources write into. */
  sourceContext(base: { readonly dataDir: string; readonly tokens: TokenVerifier }): SourceContext {
    const context = new ForwardingContext({
      spool: this.spool, forwardable: (org, parser) => this.covers(org, parser),
      dataDir: base.dataDir, tokens: base.tokens, log: this.deps.log, metrics: this.deps.metrics,
    });
    this.contexts.push(context);
    return context;
  }

  /** Before the sources stop: let their held batches into the spool over its bound. */
  admitWaiting(): void {
    this.spool.admitWaiting();
  }

  /** Stop delivering and close the spool. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all(this.contexts.map((c) => c.settled()));
      await this.sender.stop();
      await this.spool.close();
      this.client.close();
    })();
    return this.closing;
  }
}
