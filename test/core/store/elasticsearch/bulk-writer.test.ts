/**
 * The BulkWriter's loop over synthetic bulk answers (a stand-in client): what
 * is retried, reshaped, counted, and when the batch fails; how batches are
 * cut and how many requests run at once.
 */
import type { Client } from '@elastic/elasticsearch';
import { expect } from 'chai';
import type { BulkItemResult } from '../../../../core/store/elasticsearch/bulk-retry.js';
import { BulkWriteError, BulkWriter } from '../../../../core/store/elasticsearch/bulk-writer.js';
import type { WriteRequest } from '../../../../core/store/elasticsearch/bulk-writer.js';
import type { BulkConfig } from '../../../../core/store/elasticsearch/config.js';
import { Limiter } from '../../../../core/store/elasticsearch/limiter.js';

interface SentDoc {
  readonly id: string;
  readonly doc: Record<string, unknown>;
}

/** Answers each bulk request with `answer(doc, call)` per document and records what was sent. */
class FakeBulkClient {
  readonly calls: SentDoc[][] = [];
  readonly bodyBytes: number[] = [];
  active = 0;
  maxActive = 0;

  constructor(private readonly answer: (sent: SentDoc, call: number) => BulkItemResult) {}

  async bulk(params: { operations: string[] }): Promise<{ errors: boolean; items: { create: BulkItemResult }[] }> {
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      await new Promise((resolve) => setImmediate(resolve));
      const docs: SentDoc[] = [];
      for (let i = 0; i < params.operations.length; i += 2) {
        const action = JSON.parse(params.operations[i]) as { create: { _id: string } };
        docs.push({ id: action.create._id, doc: JSON.parse(params.operations[i + 1]) as Record<string, unknown> });
      }
      this.bodyBytes.push(params.operations.reduce((n, line) => n + Buffer.byteLength(line) + 1, 0));
      const call = this.calls.push(docs);
      return { errors: true, items: docs.map((doc) => ({ create: this.answer(doc, call) })) };
    } finally {
      this.active--;
    }
  }
}

const config: BulkConfig = { maxBytes: 5 * 1024 * 1024, concurrency: 2, maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 };

function writer(client: FakeBulkClient, overrides: Partial<BulkConfig> = {}): BulkWriter {
  const merged = { ...config, ...overrides };
  // The writer only calls `bulk`; the stand-in has that one method.
  return new BulkWriter(client as unknown as Client, new Limiter(merged.concurrency), merged, () => 0);
}

function request(id: string, document: Record<string, unknown> = { id }, reshape?: WriteRequest['reshape']): WriteRequest {
  return { index: 'iisa-events-enterprise-2024.03.01', id, document, ...(reshape ? { reshape } : {}) };
}

describe('Elasticsearch bulk writer', function () {
  it('counts created and duplicate items', async function () {
    const client = new FakeBulkClient((sent) => (sent.id.startsWith('dup') ? { status: 409, error: { type: 'version_conflict_engine_exception' } } : { status: 201 }));
    const outcome = await writer(client).write([request('a'), request('dup-1'), request('b')]);
    expect(outcome).to.deep.equal({ created: 2, duplicates: 1, reshaped: 0, retries: 0 });
  });

  it('sends again only the items the cluster was too busy for', async function () {
    const client = new FakeBulkClient((sent, call) => (sent.id === 'busy' && call < 3 ? { status: 429, error: { type: 'es_rejected_execution_exception' } } : { status: 201 }));
    const outcome = await writer(client).write([request('ok'), request('busy')]);
    expect(outcome).to.deep.equal({ created: 2, duplicates: 0, reshaped: 0, retries: 2 });
    expect(client.calls.map((docs) => docs.map((d) => d.id))).to.deep.equal([['ok', 'busy'], ['busy'], ['busy']]);
  });

  it('rejects the batch once the tries are used up, so the caller does not acknowledge it', async function () {
    const client = new FakeBulkClient((sent) => (sent.id === 'busy' ? { status: 503, error: { type: 'unavailable_shards_exception' } } : { status: 201 }));
    let failure: unknown;
    await writer(client)
      .write([request('ok'), request('busy')])
      .catch((error: unknown) => (failure = error));
    expect(failure).to.be.instanceOf(BulkWriteError);
    expect(String(failure)).to.match(/busy.*after 3 tries.*503 unavailable_shards_exception/);
    expect(client.calls).to.have.length(3);
  });

  it('stores a mapping-refused document in its reshaped form, step by step', async function () {
    const client = new FakeBulkClient((sent) =>
      sent.doc.shape === 'minimal' || sent.id === 'fine' ? { status: 201 } : { status: 400, error: { type: 'document_parsing_exception', reason: 'object mapping' } },
    );
    const steps: number[] = [];
    const reshape = (step: number): Record<string, unknown> | undefined => {
      steps.push(step);
      return step === 1 ? { shape: 'schema-only' } : step === 2 ? { shape: 'minimal' } : undefined;
    };
    const outcome = await writer(client).write([request('odd', { shape: 'full' }, reshape), request('fine')]);
    expect(outcome).to.deep.equal({ created: 2, duplicates: 0, reshaped: 1, retries: 0 });
    expect(steps).to.deep.equal([1, 2]);
    expect(client.calls[2]).to.deep.equal([{ id: 'odd', doc: { shape: 'minimal' } }]);
  });

  it('fails when a refused document has no smaller form, and on refusals retrying cannot fix', async function () {
    const unmappable = new FakeBulkClient(() => ({ status: 400, error: { type: 'strict_dynamic_mapping_exception' } }));
    let failure: unknown;
    await writer(unmappable).write([request('letter')]).catch((error: unknown) => (failure = error));
    expect(String(failure)).to.match(/does not fit the mapping/);
    const forbidden = new FakeBulkClient(() => ({ status: 403, error: { type: 'security_exception' } }));
    failure = undefined;
    await writer(forbidden).write([request('x')]).catch((error: unknown) => (failure = error));
    expect(String(failure)).to.match(/refused document x.*403 security_exception/);
    expect(forbidden.calls).to.have.length(1);
  });

  it('cuts a large batch into requests of about maxBytes and keeps at most `concurrency` in flight', async function () {
    const client = new FakeBulkClient(() => ({ status: 201 }));
    const padding = 'x'.repeat(900);
    const requests = Array.from({ length: 100 }, (_, i) => request(`e${i}`, { padding }));
    const outcome = await writer(client, { maxBytes: 10_000, concurrency: 2 }).write(requests);
    expect(outcome.created).to.equal(100);
    expect(client.calls.length).to.be.at.least(10);
    for (const bytes of client.bodyBytes) expect(bytes).to.be.at.most(10_000);
    expect(client.maxActive).to.equal(2);
    expect(client.calls.flat().map((d) => d.id)).to.deep.equal(requests.map((r) => r.id));
  });
});
