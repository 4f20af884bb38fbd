import { expect } from 'chai';
import { zeekDnp3Parser } from '../../../collector/parsers/zeek-dnp3.js';
import { corpusLines } from './zeek/corpus.js';
import { expectAllValid, expectError, parseOne, parseRaw, runStream } from './parser-helpers.js';
import type { ParsedEvent } from './parser-helpers.js';

const DIR = ['icsnpp-dnp3', 'testing', 'baseline', 'analyzer.basic'];

function events(log: string): ParsedEvent[] {
  const lines = corpusLines(...DIR, log);
  return expectAllValid(runStream(zeekDnp3Parser, lines), lines);
}

describe('zeekDnp3Parser', () => {
  describe('parse (ICSNPP corpus)', () => {
    for (const log of ['dnp3.log', 'dnp3_control.log', 'dnp3_objects.log']) {
      it(`reads every line of ${log} without an error`, () => {
        const evs = events(log);
        expect(evs.length).to.be.greaterThan(300);
        for (const e of evs) expect(e.ics).to.include({ protocol: 'dnp3' });
      });
    }

    it('maps dnp3.log request/reply pairs and IIN', () => {
      const [first] = events('dnp3.log');
      expect(first.ics).to.deep.equal({
        protocol: 'dnp3', session_id: 'CHhAvVGS1DHFjwGM9', function: 'READ', function_code: 1, is_write: false, direction: 'both', status: 'IIN 0x0000',
      });
      expect(first.event).to.include({ action: 'dnp3-read', dataset: 'zeek.dnp3' });
      const operate = events('dnp3.log').find((e) => e.ics?.function === 'OPERATE');
      expect(operate?.ics).to.include({ function_code: 4, is_write: true });
    });

    it('maps a control relay output block command', () => {
      const [select, response, operate] = events('dnp3_control.log');
      expect(select.ics).to.deep.equal({
        protocol: 'dnp3', session_id: 'ClEkJM2Vm5giqnMf4h', function: 'SELECT', function_code: 3, is_write: true,
        subfunction: 'Control Relay Output Block', address: '8', value: 'Close Pulse Off', quantity: 1, direction: 'request',
      });
      expect(select.event.action).to.equal('dnp3-select');
      expect(response.ics).to.include({ function: 'RESPONSE', is_write: false, status: 'Success', direction: 'response' });
      expect(response.event.outcome).to.equal('success');
      expect(operate.ics).to.include({ function: 'OPERATE', is_write: true });
      expect(operate.source).to.deep.equal({ ip: '10.10.20.5', port: 55355 });
      expect(operate.destination).to.deep.equal({ ip: '10.10.20.8', port: 20000 });
    });

    it('maps object headers with their ranges', () => {
      const evs = events('dnp3_objects.log');
      expect(evs[1].ics).to.include({ function: 'RESPONSE', subfunction: 'Binary Input With Status', quantity: 120, address: '0-119', direction: 'response' });
      expect(evs[0].ics).to.include({ function: 'READ', subfunction: 'Class 0 Data' }).and.not.have.property('address');
    });
  });

  describe('parse (IIN, JSON, IPv6)', () => {
    it('names IIN2 error bits as the exception', () => {
      const e = parseOne(zeekDnp3Parser, '1732543201.5\tC1\t10.10.20.5\t20000\t10.10.20.8\t20000\tCOLD_RESTART\tRESPONSE\t33029');
      // 33029 = 0x8105: IIN1 device restart, IIN2 function code not supported + parameter error.
      expect(e.ics).to.include({ function: 'COLD_RESTART', function_code: 13, is_write: true, status: 'IIN 0x8105', exception: 'NO_FUNC_CODE_SUPPORT,PARAMETER_ERROR' });
      expect(e.event.outcome).to.equal('failure');
    });

    it('reads JSON with IPv6 endpoints', () => {
      const e = parseOne(zeekDnp3Parser, '{"ts":1732543201.5,"uid":"C2","id.orig_h":"2001:db8:20::5","id.orig_p":55355,"id.resp_h":"2001:db8:20::8","id.resp_p":20000,"fc_request":"DIRECT_OPERATE","fc_reply":"RESPONSE","iin":0}');
      expect(e.destination).to.deep.equal({ ip: '2001:db8:20::8', port: 20000 });
      expect(e.network).to.include({ type: 'ipv6', protocol: 'dnp3' });
      expect(e.ics).to.include({ function: 'DIRECT_OPERATE', is_write: true });
    });
  });

  describe('parse (malformed)', () => {
    it('refuses a non-numeric IIN', () => {
      expect(expectError(parseRaw(zeekDnp3Parser, '1732543201.5\tC1\t10.10.20.5\t20000\t10.10.20.8\t20000\tREAD\tRESPONSE\tabc'), 'bad-field')).to.contain('iin');
    });

    it('refuses an IPv6 address with too many groups', () => {
      expect(expectError(parseRaw(zeekDnp3Parser, '1732543201.5\tC1\t2001:db8:1:2:3:4:5:6:7\t20000\t10.10.20.8\t20000\tREAD\tRESPONSE\t0'), 'bad-field')).to.contain('id.orig_h');
    });
  });
});
