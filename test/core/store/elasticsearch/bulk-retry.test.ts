import { expect } from 'chai';
import { backoffDelay, classifyItem, describeItem, isRetryableRequestFailure, mayRetry, planItems } from '../../../../core/store/elasticsearch/bulk-retry.js';
import type { BackoffPolicy, BulkItemResult } from '../../../../core/store/elasticsearch/bulk-retry.js';

const created: BulkItemResult = { status: 201 };
const conflict: BulkItemResult = { status: 409, error: { type: 'version_conflict_engine_exception', reason: '[x]: version conflict, document already exists' } };
const busy: BulkItemResult = { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'rejected execution of coordinating operation' } };
const rejectedAs500: BulkItemResult = { status: 500, error: { type: 'es_rejected_execution_exception', reason: 'queue full' } };
const unavailable: BulkItemResult = { status: 503, error: { type: 'unavailable_shards_exception', reason: 'primary shard is not active' } };
const badPort: BulkItemResult = { status: 400, error: { type: 'document_parsing_exception', reason: "failed to parse field [source.port] of type [long]" } };
const objectVsValue: BulkItemResult = { status: 400, error: { type: 'mapper_parsing_exception', reason: 'object mapping for [x] tried to parse field [x] as object, but found a concrete value' } };
const tooManyFields: BulkItemResult = { status: 400, error: { type: 'illegal_argument_exception', reason: 'Limit of total fields [1000] has been exceeded' } };
const forbidden: BulkItemResult = { status: 403, error: { type: 'security_exception', reason: 'action [indices:data/write/bulk[s]] is unauthorized' } };
const badName: BulkItemResult = { status: 400, error: { type: 'invalid_index_name_exception', reason: 'Invalid index name' } };

const policy: BackoffPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 };

describe('Elasticsearch bulk retry policy', function () {
  it('classifies created items as stored and 409 conflicts as duplicates', function () {
    expect(classifyItem(created)).to.equal('stored');
    expect(classifyItem({ status: 200 })).to.equal('stored');
    expect(classifyItem(conflict)).to.equal('duplicate');
  });

  it('retries 429, 5xx and es_rejected_execution whatever their status', function () {
    expect(classifyItem(busy)).to.equal('retry');
    expect(classifyItem(rejectedAs500)).to.equal('retry');
    expect(classifyItem(unavailable)).to.equal('retry');
    expect(classifyItem({ status: 400, error: { type: 'es_rejected_execution_exception' } })).to.equal('retry');
    expect(classifyItem({ status: 502 })).to.equal('retry');
  });

  it('sends mapping refusals to be reshaped, not retried or dropped', function () {
    expect(classifyItem(badPort)).to.equal('unmappable');
    expect(classifyItem(objectVsValue)).to.equal('unmappable');
    expect(classifyItem(tooManyFields)).to.equal('unmappable');
  });

  it('fails on refusals retrying cannot fix', function () {
    expect(classifyItem(forbidden)).to.equal('fatal');
    expect(classifyItem(badName)).to.equal('fatal');
    expect(classifyItem({ status: 404, error: { type: 'index_not_found_exception' } })).to.equal('fatal');
    expect(classifyItem({ status: 201, error: { type: 'strange' } }), 'a success status with an error is not a success').to.equal('fatal');
  });

  it('groups the items of a response by verdict, by position', function () {
    expect(planItems([created, busy, badPort, conflict, forbidden, created, unavailable])).to.deep.equal({
      stored: [0, 5],
      duplicate: [3],
      retry: [1, 6],
      unmappable: [2],
      fatal: [4],
    });
  });

  it('bounds the tries', function () {
    expect(mayRetry(1, policy)).to.equal(true);
    expect(mayRetry(3, policy)).to.equal(true);
    expect(mayRetry(4, policy)).to.equal(false);
  });

  it('backs off exponentially up to the ceiling, jittered within [0, ceiling)', function () {
    const top = (): number => 0.999999;
    expect([1, 2, 3, 4, 5, 10].map((retry) => backoffDelay(retry, policy, top))).to.deep.equal([99, 199, 399, 799, 999, 999]);
    expect(backoffDelay(3, policy, () => 0)).to.equal(0);
    expect(backoffDelay(3, policy, () => 0.5)).to.equal(200);
    expect(backoffDelay(1000, policy, top), 'huge retry numbers do not overflow').to.equal(999);
    for (let i = 0; i < 100; i++) {
      const delay = backoffDelay(2, policy);
      expect(delay).to.be.at.least(0).and.below(200);
    }
  });

  it('treats busy, failing and unreachable servers as retryable whole-request failures', function () {
    expect(isRetryableRequestFailure(undefined)).to.equal(true);
    expect(isRetryableRequestFailure(429)).to.equal(true);
    expect(isRetryableRequestFailure(503)).to.equal(true);
    expect(isRetryableRequestFailure(400)).to.equal(false);
    expect(isRetryableRequestFailure(401)).to.equal(false);
  });

  it('describes an item for error messages', function () {
    expect(describeItem(busy)).to.equal('429 es_rejected_execution_exception: rejected execution of coordinating operation');
    expect(describeItem({ status: 503 })).to.equal('503');
  });
});
