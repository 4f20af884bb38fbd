import { expect } from 'chai';
import { getField } from '../../../../core/event.js';
import { beginEvent, endEvent, readSlot, sharedSlot } from '../../../../detector/sigma/stream/accessor.js';

/** Events with nested, flattened and half-flattened keys, misses on the way, nulls and arrays. */
const EVENTS: unknown[] = [
  { event: { dataset: 'zeek.conn', category: ['network'] }, host: { os: { type: 'linux' } } },
  { 'event.dataset': 'flat', event: { module: 'm' }, 'host.os.type': 'windows' },
  { host: { 'os.type': 'windows', os: null }, id: { 'orig_h': '10.0.0.1' }, 'id.orig_h': 'shadowed' },
  { host: { 'os.type': 'windows' }, 'id.orig_h': '2001:db8::1', event: 'not an object' },
  { host: { os: { 'type.x': 1, type: { x: 2 } } }, event: { dataset: undefined, 'dataset.x': 'flat under a key holding undefined' } },
  { a: { b: [{ c: 1 }] }, 'a.b.c': 'flat', x: { y: { z: 0 } }, 'x.y': { z: 'flattened parent' } },
  null,
  'a string',
];

const PATHS = [
  'event', 'event.dataset', 'event.dataset.x', 'event.module', 'event.category', 'host', 'host.os', 'host.os.type', 'host.os.type.x',
  'host.os.type.x', 'id', 'id.orig_h', 'a.b', 'a.b.c', 'a.b.0', 'a.b.length', 'x.y', 'x.y.z', 'missing', 'missing.deeper.still',
];

describe('accessor', () => {
  describe('readSlot', () => {
    it('reads every path as getField does, inside a match (cached, from parents) and outside', () => {
      for (const event of EVENTS) {
        // Several orders: a child read before or after its parent must not matter.
        for (const order of [PATHS, [...PATHS].reverse()]) {
          const previous = beginEvent();
          try {
            for (const path of order) expect(readSlot(sharedSlot(path), event), `${path} of ${JSON.stringify(event)}`).to.deep.equal(getField(event, path));
            // Read again: the cached values.
            for (const path of order) expect(readSlot(sharedSlot(path), event), `${path} again`).to.deep.equal(getField(event, path));
          } finally {
            endEvent(previous);
          }
          for (const path of order) expect(readSlot(sharedSlot(path), event), `${path} outside a match`).to.deep.equal(getField(event, path));
        }
      }
    });

    it('reads keys holding quotes, backslashes and code-like text as plain keys', () => {
      const paths = ['a"b.c', "x'y.z\\", 'p.`${q}`', 'k.\u2028.v', 'o.);return 1;//'];
      for (const path of paths) {
        const keys = path.split('.');
        const nested = keys.reduceRight<unknown>((inner, key) => ({ [key]: inner }), 'found');
        const flat = { [path]: 'flat' };
        expect(readSlot(sharedSlot(path), nested), path).to.equal('found');
        expect(readSlot(sharedSlot(path), flat), path).to.equal('flat');
        expect(readSlot(sharedSlot(path), {}), path).to.equal(undefined);
      }
    });

    it('forgets the values of the previous event', () => {
      const slot = sharedSlot('event.dataset');
      for (const dataset of ['one', 'two']) {
        const previous = beginEvent();
        expect(readSlot(slot, { event: { dataset } })).to.equal(dataset);
        endEvent(previous);
      }
    });
  });

  describe('sharedSlot', () => {
    it('shares one slot per path', () => {
      expect(sharedSlot('source.ip')).to.equal(sharedSlot('source.ip'));
    });

    // Found by fuzzing (bench/fuzz.ts heap check): every distinct field path ever compiled was kept for good.
    it('keeps a bounded number of paths: after 10,000 new ones an old path gets a new slot that reads the same', () => {
      const old = sharedSlot('bounded.test.field');
      for (let i = 0; i < 10_001; i++) sharedSlot(`bounded.filler.${i}`);
      const fresh = sharedSlot('bounded.test.field');
      expect(fresh).not.to.equal(old);
      const previous = beginEvent();
      const event = { bounded: { test: { field: 'x' } } };
      expect([readSlot(old, event), readSlot(fresh, event)]).to.deep.equal(['x', 'x']);
      endEvent(previous);
    });
  });
});
