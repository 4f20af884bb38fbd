import { expect } from 'chai';
import { MAX_JSON_DEPTH, nestedDeeperThan, nonFiniteNumberAt } from '../../core/json-guards.js';

const objects = (depth: number): unknown => (depth === 0 ? 1 : { a: objects(depth - 1) });

describe('nestedDeeperThan', () => {
  it('counts each array or object level; scalars are depth 0', () => {
    expect(nestedDeeperThan('text', 0)).to.equal(false);
    expect(nestedDeeperThan({}, 0)).to.equal(true);
    expect(nestedDeeperThan({}, 1)).to.equal(false);
    expect(nestedDeeperThan([[1], { a: [2] }], 2)).to.equal(true);
    expect(nestedDeeperThan([[1], { a: 2 }], 2)).to.equal(false);
  });

  it('finds the deep branch among shallow ones, at the default limit', () => {
    // The outer object and the array are two levels.
    expect(nestedDeeperThan({ a: 1, b: [objects(MAX_JSON_DEPTH - 2)] })).to.equal(false);
    expect(nestedDeeperThan({ a: 1, b: [objects(MAX_JSON_DEPTH - 1)] })).to.equal(true);
  });

  it('walks a value nested far beyond the stack without overflowing it', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) as unknown;
    expect(nestedDeeperThan(deep)).to.equal(true);
  });
});

describe('nonFiniteNumberAt', () => {
  it('finds a number JSON.parse read as Infinity, by its path', () => {
    expect(nonFiniteNumberAt(JSON.parse('{"a":1,"b":[2,{"c":1e309}]}'))).to.equal('b.1.c');
    expect(nonFiniteNumberAt(JSON.parse('-1e400'))).to.equal('');
  });

  it('finds nothing in finite data', () => {
    expect(nonFiniteNumberAt({ a: 1.7976931348623157e308, b: [-0, 'Infinity'], c: null })).to.equal(undefined);
  });
});
