import { expect } from 'chai';
import { MAX_CONDITION_DEPTH, matchIdentifiers, parseCondition, parseConditions } from '../../../../detector/sigma/parse/condition.js';
import { RuleProblem } from '../../../../detector/sigma/parse/problem.js';

const names = ['selection', 'selection_a', 'selection_b', 'filter_main_x', 'filter_optional_y', 'keywords', '_private'];
const ref = (name: string) => ({ op: 'ref', name });

describe('sigma condition', () => {
  describe('parseCondition', () => {
    it('parses a single identifier', () => {
      expect(parseCondition('selection', names)).to.deep.equal(ref('selection'));
    });
    it('gives and precedence over or', () => {
      expect(parseCondition('selection or keywords and selection_a', names)).to.deep.equal({
        op: 'or', args: [ref('selection'), { op: 'and', args: [ref('keywords'), ref('selection_a')] }],
      });
    });
    it('gives not precedence over and', () => {
      expect(parseCondition('not selection and keywords', names)).to.deep.equal({
        op: 'and', args: [{ op: 'not', arg: ref('selection') }, ref('keywords')],
      });
    });
    it('binds "x of" tighter than not', () => {
      expect(parseCondition('selection and not 1 of filter_*', names)).to.deep.equal({
        op: 'and', args: [ref('selection'), { op: 'not', arg: { op: 'of', quantifier: 1, pattern: 'filter_*', names: ['filter_main_x', 'filter_optional_y'] } }],
      });
    });
    it('lets parentheses override precedence', () => {
      expect(parseCondition('(selection or keywords) and selection_a', names)).to.deep.equal({
        op: 'and', args: [{ op: 'or', args: [ref('selection'), ref('keywords')] }, ref('selection_a')],
      });
    });
    it('flattens chains of the same operator', () => {
      expect(parseCondition('selection and keywords and selection_a', names)).to.deep.equal({
        op: 'and', args: [ref('selection'), ref('keywords'), ref('selection_a')],
      });
    });
    it('supports all of / 1 of / N of patterns', () => {
      expect(parseCondition('all of selection*', names)).to.deep.equal({ op: 'of', quantifier: 'all', pattern: 'selection*', names: ['selection', 'selection_a', 'selection_b'] });
      expect(parseCondition('1 of selection_*', names)).to.deep.include({ quantifier: 1, names: ['selection_a', 'selection_b'] });
      expect(parseCondition('2 of selection*', names)).to.deep.include({ quantifier: 2 });
      expect(parseCondition('1 of *_main_*', names)).to.deep.include({ names: ['filter_main_x'] });
    });
    it('1 of them / all of them exclude identifiers starting with _', () => {
      const all = names.filter((n) => n !== '_private');
      expect(parseCondition('1 of them', names)).to.deep.equal({ op: 'of', quantifier: 1, pattern: 'them', names: all });
      expect(parseCondition('all of them', names)).to.deep.equal({ op: 'of', quantifier: 'all', pattern: 'them', names: all });
    });
    it('supports double negation and nested parentheses', () => {
      expect(parseCondition('not not ((selection))', names)).to.deep.equal({ op: 'not', arg: { op: 'not', arg: ref('selection') } });
    });

    const errors: [string, RegExp][] = [
      ['undefined', /undefined search identifier "undefined"/],
      ['1 of nothing_*', /"nothing_\*" matches no search identifier/],
      ['0 of selection*', /positive integer/],
      ['selection and', /expected an identifier/],
      ['(selection', /missing "\)"/],
      ['selection)', /unexpected "\)"/],
      ['selection keywords', /unexpected "keywords"/],
      ['selection*', /only allowed after/],
      ['', /empty condition/],
    ];
    for (const [text, message] of errors) {
      it(`refuses ${JSON.stringify(text)}`, () => {
        expect(() => parseCondition(text, names)).to.throw(RuleProblem, message);
      });
    }
    // Found by fuzzing (test/hostile/fuzz.test.ts): 20,000 nested levels overflowed the stack, reported as an internal parser error.
    it('refuses parentheses and not nested beyond the limit, at the offending column, and keeps the message short', () => {
      expect(() => parseCondition(`${'('.repeat(MAX_CONDITION_DEPTH + 1)}selection${')'.repeat(MAX_CONDITION_DEPTH + 1)}`, names))
        .to.throw(RuleProblem, new RegExp(`nested more than ${MAX_CONDITION_DEPTH} levels deep at column ${MAX_CONDITION_DEPTH + 1}$`));
      for (const text of [`${'not '.repeat(20_000)}selection`, `${'('.repeat(20_000)}selection${')'.repeat(20_000)}`]) {
        let message = '';
        try {
          parseCondition(text, names);
        } catch (err) {
          expect(err).to.be.instanceOf(RuleProblem);
          message = (err as Error).message;
        }
        expect(message).to.match(/nested more than/);
        expect(message.length).to.be.below(400);
      }
      const deepest = `${'not ('.repeat(MAX_CONDITION_DEPTH / 2)}selection${')'.repeat(MAX_CONDITION_DEPTH / 2)}`;
      expect(() => parseCondition(deepest, names)).not.to.throw();
    });
    it('matches identifier patterns with many wildcards against long names (no polynomial backtracking)', () => {
      const long = 'a'.repeat(1000);
      expect(matchIdentifiers(`${'*a'.repeat(30)}*b`, [long, `${long}b`])).to.deep.equal([`${long}b`]);
      expect(matchIdentifiers('sel*_x*', ['sel_a_x1', 'sel_x', 'selx_x', 'sex_x', 'sel_y'])).to.deep.equal(['sel_a_x1', 'sel_x', 'selx_x']);
    });
    it('reports Sigma 1 aggregations as unsupported', () => {
      try {
        parseCondition('selection | count() by host > 5', names);
        expect.fail('should throw');
      } catch (err) {
        expect(err).to.be.instanceOf(RuleProblem);
        expect((err as RuleProblem).severity).to.equal('unsupported');
        expect((err as RuleProblem).feature).to.match(/aggregation/);
      }
    });
  });

  describe('parseConditions', () => {
    it('ORs a list of conditions', () => {
      expect(parseConditions(['selection', 'keywords'], names)).to.deep.equal({ op: 'or', args: [ref('selection'), ref('keywords')] });
    });
    it('points at the bad list element', () => {
      try {
        parseConditions(['selection', 'nope'], names);
        expect.fail('should throw');
      } catch (err) {
        expect((err as RuleProblem).path).to.deep.equal([1]);
      }
    });
  });
});
