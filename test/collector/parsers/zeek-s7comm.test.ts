import { expect } from 'chai';
import { zeekS7commParser } from '../../../collector/parsers/zeek-s7comm.js';
import { corpusLines, maskedLines } from './zeek/corpus.js';
import { expectAllValid, expectError, parseOne, parseRaw, runStream } from './parser-helpers.js';
import type { ParsedEvent } from './parser-helpers.js';

const BASE = ['icsnpp-s7comm', 'tests', 'baseline'];
const CORPUS: readonly (readonly [string, string])[] = [
  ['analyzer.snap7', 's7comm.log'],
  ['analyzer.snap7', 's7comm_read_szl.log'],
  ['analyzer.snap7', 's7comm_upload_download.log'],
  ['analyzer.snap7', 'cotp.log'],
  ['analyzer.s7ident', 's7comm.log'],
  ['analyzer.s7ident', 's7comm_known_devices.log'],
  ['analyzer.s7ident', 'cotp.log'],
  ['analyzer.s7comm_plus', 's7comm.log'],
  ['analyzer.s7comm_plus', 's7comm_plus.log'],
  ['analyzer.s7comm_plus', 'cotp.log'],
];

function events(dir: string, log: string): ParsedEvent[] {
  const lines = corpusLines(...BASE, dir, log);
  return expectAllValid(runStream(zeekS7commParser, lines), lines);
}

describe('zeekS7commParser', () => {
  describe('parse (ICSNPP corpus)', () => {
    for (const [dir, log] of CORPUS) {
      it(`reads every line of ${dir}/${log} without an error`, () => {
        const lines = corpusLines(...BASE, dir, log);
        const outcomes = runStream(zeekS7commParser, lines);
        const evs = expectAllValid(outcomes, lines);
        if (log === 'cotp.log') {
          expect(evs, 'COTP rows carry no S7 operation').to.have.length(0);
        } else {
          expect(evs.length).to.be.greaterThan(0);
          for (const e of evs) expect(e.event).to.include({ module: 'zeek', dataset: `zeek.${log.slice(0, -4)}` });
        }
      });
    }

    it('maps PLC Stop as a write with action s7-plc-stop', () => {
      const stop = events('analyzer.snap7', 's7comm.log').find((e) => e.ics?.function === 'PLC Stop' && e.ics.direction === 'request');
      expect(stop?.ics).to.deep.equal({
        protocol: 's7comm', session_id: 'CHhAvVGS1DHFjwGM9', function: 'PLC Stop', function_code: 0x29, is_write: true, direction: 'request',
      });
      expect(stop?.event.action).to.equal('s7-plc-stop');
      expect(stop?.source).to.deep.equal({ ip: '134.217.61.131', port: 51212 });
      expect(stop?.destination).to.deep.equal({ ip: '134.217.61.211', port: 102 });
      expect(stop?.network).to.deep.equal({ transport: 'tcp', protocol: 's7comm', type: 'ipv4' });
    });

    it('marks Write Variable, PLC Control and Set Clock as writes, reads and uploads not', () => {
      const evs = events('analyzer.snap7', 's7comm.log');
      const byAction = (action: string): ParsedEvent[] => evs.filter((e) => e.event.action === action);
      expect(byAction('s7-write-variable').every((e) => e.ics?.is_write === true)).to.equal(true);
      expect(byAction('s7-read-variable').every((e) => e.ics?.is_write === false)).to.equal(true);
      expect(byAction('s7-start-upload').every((e) => e.ics?.is_write === false)).to.equal(true);
      const control = byAction('s7-plc-control').find((e) => e.ics?.subfunction === 'PLC Copy Ram to Rom');
      expect(control?.ics).to.include({ is_write: true, function_code: 0x28 });
      const setClock = byAction('s7-set-clock').find((e) => e.ics?.direction === 'request');
      expect(setClock?.ics).to.include({ function: 'Request: Time Functions', subfunction: 'Set Clock', function_code: 0x47, is_write: true });
    });

    it('reports an S7 error class as an exception and the failure', () => {
      const refused = events('analyzer.snap7', 's7comm.log').find((e) => e.ics?.exception !== undefined);
      expect(refused?.ics).to.include({ subfunction: 'Get Block Info', exception: 'Parameter Error (0xd209)', direction: 'response' });
      expect(refused?.event.outcome).to.equal('failure');
      const ok = events('analyzer.snap7', 's7comm.log').find((e) => e.ics?.status === 'No error');
      expect(ok?.event.outcome).to.equal('success');
    });

    it('maps S7comm-plus with its own protocol and write flag', () => {
      const evs = events('analyzer.s7comm_plus', 's7comm_plus.log');
      const set = evs.find((e) => e.ics?.function === 'Set Variable');
      expect(set?.ics).to.include({ protocol: 's7comm-plus', function_code: 0x04f2, subfunction: 'Request', is_write: true, direction: 'request' });
      expect(set?.network).to.include({ protocol: 's7comm-plus' });
      expect(set?.event.action).to.equal('s7plus-set-variable');
      const get = evs.find((e) => e.ics?.function === 'Get Multi Variables');
      expect(get?.ics).to.include({ is_write: false });
      const note = evs.find((e) => e.ics?.function === 'Notification');
      expect(note?.ics).to.include({ is_write: false, direction: 'response' }).and.not.have.property('function_code');
    });

    it('maps upload/download and read SZL rows', () => {
      const up = events('analyzer.snap7', 's7comm_upload_download.log')[0];
      expect(up.ics).to.include({ function: 'Start Upload', function_code: 0x1d, is_write: false, address: '_0B00000A', subfunction: 'System Data Block', status: '0x00', direction: 'request' });
      const szl = events('analyzer.snap7', 's7comm_read_szl.log')[0];
      expect(szl.ics).to.include({ function: 'Read SZL', subfunction: 'Module identification', address: '0x0011:0x0000', status: 'Success', direction: 'request' });
      expect(szl.event.action).to.equal('s7-read-szl');
    });

    it('maps an identified device to an info event with its labels', () => {
      const [device] = events('analyzer.s7ident', 's7comm_known_devices.log');
      expect(device.event).to.include({ action: 's7-device-identified' });
      expect(device.event.type).to.deep.equal(['info']);
      expect(device.labels).to.deep.equal({ automation_system_name: 'SNAP7-SERVER', module_name: 'CPU 315-2 PN/DP', module_serial: 'S C-C2UR28922012' });
    });

    it('refuses a masked timestamp', () => {
      const lines = maskedLines(...BASE, 'analyzer.snap7', 's7comm.log');
      const outcomes = runStream(zeekS7commParser, lines);
      expectError(outcomes.find((o) => o.kind !== 'skip')!, 'bad-timestamp');
    });
  });

  describe('parse (JSON and IPv6)', () => {
    it('reads a JSON s7comm record with IPv6 endpoints', () => {
      const e = parseOne(zeekS7commParser, '{"ts":1732543201.5,"uid":"C9","id.orig_h":"fd00:10::5","id.orig_p":51212,"id.resp_h":"fd00:10::21","id.resp_p":102,"is_orig":true,"rosctr_code":1,"rosctr_name":"Job-Request","pdu_reference":28,"function_code":"0x29","function_name":"PLC Stop"}');
      expect(e.source).to.deep.equal({ ip: 'fd00:10::5', port: 51212 });
      expect(e.network).to.include({ type: 'ipv6' });
      expect(e.ics).to.include({ function: 'PLC Stop', function_code: 0x29, is_write: true, direction: 'request' });
    });
  });

  describe('parse (malformed)', () => {
    it('refuses a function code that is not hex', () => {
      const row = ['1732543201.5', 'C1', '10.1.1.5', '51212', '10.1.1.21', '102', 'T', '10.1.1.5', '51212', '10.1.1.21', '102', '1', 'Job-Request', '28', '41', 'PLC Stop', '-', '-', '-', '-'];
      expect(expectError(parseRaw(zeekS7commParser, row.join('\t')), 'bad-field')).to.contain('function_code');
    });

    it('refuses a bad is_orig flag', () => {
      const row = ['1732543201.5', 'C1', '10.1.1.5', '51212', '10.1.1.21', '102', 'yes', '10.1.1.5', '51212', '10.1.1.21', '102', '1', 'Job-Request', '28', '0x29', 'PLC Stop', '-', '-', '-', '-'];
      expect(expectError(parseRaw(zeekS7commParser, row.join('\t')), 'bad-field')).to.contain('is_orig');
    });
  });
});
