import { expect } from 'chai';
import { summarizeProfile, type CpuProfile } from '../../bench/cpu-profile.js';

const root = '/build';
const frame = (id: number, functionName: string, url: string, children: number[] = []) =>
  ({ id, callFrame: { functionName, url, lineNumber: 9 }, children });

/**
 * (root) -> ingest (http) -> readRecord -> zod parse
 *        -> sink -> appendEvents -> sqliteTransaction (better-sqlite3)
 *        -> recordHit (alert book) -> queryDocuments (store)
 *        -> (idle), (garbage collector)
 */
const profile: CpuProfile = {
  nodes: [
    frame(1, '(root)', '', [2, 5, 8, 10, 11]),
    frame(2, 'ingest', 'file:///build/collector/sources/http.js', [3]),
    frame(3, 'readRecord', 'file:///build/collector/record-reader.js', [4]),
    frame(4, 'parse', 'file:///work/node_modules/zod/v4/core/schemas.js'),
    frame(5, '', 'file:///build/core/store/sink.js', [6]),
    frame(6, 'appendEvents', 'file:///build/core/store/sqlite/sqlite-store.js', [7]),
    frame(7, 'sqliteTransaction', 'file:///work/node_modules/better-sqlite3/lib/methods/transaction.js'),
    frame(8, 'recordHit', 'file:///build/detector/alerts/alert-book.js', [9]),
    frame(9, 'queryDocuments', 'file:///build/core/store/sqlite/documents.js'),
    frame(10, '(idle)', ''),
    frame(11, '(garbage collector)', ''),
  ],
  startTime: 1_000,
  endTime: 2_000,
  // One sample per 100 µs: zod x2, transaction x3, alert query x2, idle x2, gc x1.
  samples: [4, 4, 7, 7, 7, 9, 9, 10, 10, 11],
  timeDeltas: [100, 100, 100, 100, 100, 100, 100, 100, 100, 100],
};

describe('summarizeProfile', () => {
  it('gives layers by the innermost iisa frame, the alert book owning its store calls', () => {
    const s = summarizeProfile(profile, { buildRoot: root });
    const share = Object.fromEntries(s.layers.map((l) => [l.layer, Math.round(l.share * 100)]));
    expect(share['stamp + validate (event schema)']).to.equal(20);
    expect(share['store (events and rule hits: inserts, commits)']).to.equal(30);
    expect(share['alerts (grading, dedup; alert reads and writes in SQLite)']).to.equal(20);
    expect(share.idle).to.equal(20);
    expect(share['garbage collection']).to.equal(10);
    expect(s.idleShare).to.be.closeTo(0.2, 1e-9);
  });

  it('names a library function by the iisa code it ran for, most self time first', () => {
    const s = summarizeProfile(profile, { buildRoot: root, top: 2 });
    expect(s.top.map((f) => f.name)).to.deep.equal([
      'sqliteTransaction (better-sqlite3/transaction.js:10) for appendEvents (core/store/sqlite/sqlite-store.js:10)',
      'parse (zod/schemas.js:10) for readRecord (collector/record-reader.js:10)',
    ]);
    expect(s.top[0].selfMs).to.be.closeTo(0.3, 1e-9);
  });

  it('leaves out samples outside the window', () => {
    // Samples are at 1100, 1200, ... 2000 µs: keep the transaction's three only.
    const s = summarizeProfile(profile, { buildRoot: root, fromUs: 1_300, toUs: 1_500 });
    expect(s.samples).to.equal(3);
    expect(s.layers.map((l) => l.layer)).to.deep.equal(['store (events and rule hits: inserts, commits)']);
  });
});
