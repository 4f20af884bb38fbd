import { expect } from 'chai';
import { EcsEventSchema } from '../../../core/event.js';
import { ParserTable, builtinParsers, parsers } from '../../../collector/parsers/index.js';

describe('ParserTable', () => {
  it('holds every built-in format under a file-name-safe name', () => {
    expect(parsers.names()).to.have.members([
      'iptables', 'cef', 'zeek-modbus', 'zeek-s7comm', 'zeek-opcua', 'zeek-dnp3', 'opcua-audit',
      'access-combined', 'app-audit', 'handle-access', 'bind-query', 'resolver-json', 'ecs',
    ]);
    for (const name of parsers.names()) expect(name).to.match(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('covers the three source families', () => {
    const families = new Set(builtinParsers.map((p) => p.family));
    expect([...families]).to.include.members(['gateway', 'platform', 'idres']);
  });

  it('refuses two parsers with one name', () => {
    expect(() => new ParserTable([builtinParsers[0], builtinParsers[0]])).to.throw(/duplicate parser name "iptables"/);
  });

  for (const parser of builtinParsers) {
    it(`reads its own sample: ${parser.name}`, () => {
      const outcome = parser.parse({ text: parser.sample, receivedAt: new Date('2026-11-25T14:00:00Z') }, { stream: new Map() });
      expect(outcome.kind, JSON.stringify(outcome)).to.equal('event');
      if (outcome.kind !== 'event') return;
      const checked = EcsEventSchema.safeParse({ ...outcome.event, org: { id: 'x' } });
      expect(checked.success, checked.success ? '' : checked.error.message).to.equal(true);
    });
  }
});
