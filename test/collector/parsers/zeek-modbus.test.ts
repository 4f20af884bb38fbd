import { expect } from 'chai';
import { MODBUS_LAYOUTS, zeekModbusParser } from '../../../collector/parsers/zeek-modbus.js';
import { corpusLines, maskedLines, REAL_TS } from './zeek/corpus.js';
import { expectAllValid, expectError, parseOne, parseRaw, runStream } from './parser-helpers.js';

const DIR = ['icsnpp-modbus', 'testing', 'baseline', 'analyzer.basic'];
const LOGS = ['modbus.log', 'modbus_detailed.log', 'modbus_mask_write_register.log', 'modbus_read_write_multiple_registers.log'];
const TS_ISO = '2024-11-25T14:00:01.500Z';

describe('zeekModbusParser', () => {
  describe('parse (ICSNPP corpus)', () => {
    for (const log of LOGS) {
      it(`reads every line of ${log} without an error`, () => {
        const lines = corpusLines(...DIR, log);
        const events = expectAllValid(runStream(zeekModbusParser, lines), lines);
        expect(events.length).to.be.greaterThan(3);
        for (const event of events) {
          expect(event['@timestamp']).to.equal(TS_ISO);
          expect(event.ics).to.include({ protocol: 'modbus' });
          expect(event.event).to.include({ module: 'zeek' });
          expect(event.event.category).to.deep.equal(['network']);
          expect(event.event.type).to.deep.equal(['protocol']);
        }
      });
    }

    it('reads headerless modbus.log (the btest baseline has no header) with the default columns', () => {
      const lines = corpusLines(...DIR, 'modbus.log');
      const events = expectAllValid(runStream(zeekModbusParser, lines), lines);
      expect(events).to.have.length(24);
      expect(events[9]).to.deep.include({
        source: { ip: '127.0.0.1', port: 47785 },
        destination: { ip: '127.0.0.1', port: 502 },
        network: { transport: 'tcp', protocol: 'modbus', type: 'ipv4' },
      });
      expect(events[9].ics).to.deep.equal({
        protocol: 'modbus', session_id: 'CHhAvVGS1DHFjwGM9', function: 'WRITE_SINGLE_REGISTER', function_code: 6, is_write: true,
      });
      expect(events[9].event).to.include({ action: 'modbus-write', dataset: 'zeek.modbus' });
    });

    it('splits an _EXCEPTION function into function and exception, and marks the failure', () => {
      const lines = corpusLines(...DIR, 'modbus.log');
      const last = parseOne(zeekModbusParser, lines[lines.length - 1]);
      expect(last.ics).to.include({ function: 'READ_HOLDING_REGISTERS', function_code: 3, exception: 'ILLEGAL_DATA_ADDRESS', is_write: false });
      expect(last.event).to.include({ action: 'modbus-read', outcome: 'failure' });
      expect(last.destination).to.deep.equal({ ip: '3.15.227.20', port: 502 });
    });

    it('maps modbus_detailed: unit, address, quantity, values, pairing', () => {
      const lines = corpusLines(...DIR, 'modbus_detailed.log');
      const events = expectAllValid(runStream(zeekModbusParser, lines), lines);
      const writeRegs = events.find((e) => e.ics?.function === 'WRITE_MULTIPLE_REGISTERS');
      expect(writeRegs?.ics).to.deep.equal({
        protocol: 'modbus', session_id: 'CHhAvVGS1DHFjwGM9', unit_id: 7, function: 'WRITE_MULTIPLE_REGISTERS', function_code: 16,
        is_write: true, address: '1', quantity: 4, value: '170,187,204,221', direction: 'both',
      });
      expect(writeRegs?.event).to.include({ outcome: 'success', dataset: 'zeek.modbus_detailed' });
      const diag = events.find((e) => e.ics?.function === 'DIAGNOSTICS');
      expect(diag?.ics).to.include({ function_code: 8, is_write: true, subfunction: 'Return Diagnostic Register' });
      const refused = events.find((e) => e.ics?.exception !== undefined);
      expect(refused?.ics).to.include({ function: 'READ_HOLDING_REGISTERS', address: '600', quantity: 10, exception: 'ILLEGAL_DATA_ADDRESS', unit_id: 0 });
      expect(refused?.event.outcome).to.equal('failure');
      const readCoils = events[1];
      expect(readCoils.ics).to.include({ function: 'READ_COILS', value: '1,0,0,1,0,1,1,1', is_write: false });
    });

    it('maps mask-write and read-write-multiple rows with their direction', () => {
      const mask = corpusLines(...DIR, 'modbus_mask_write_register.log');
      const [request] = expectAllValid(runStream(zeekModbusParser, mask), mask);
      expect(request.ics).to.include({ function: 'MASK_WRITE_REGISTER', function_code: 22, is_write: true, address: '10', value: 'and_mask=57005,or_mask=0', direction: 'request', unit_id: 4 });
      const rw = corpusLines(...DIR, 'modbus_read_write_multiple_registers.log');
      const events = expectAllValid(runStream(zeekModbusParser, rw), rw);
      expect(events[2].ics).to.include({ function_code: 23, is_write: true, address: '2', value: '170,187,204', quantity: 3, direction: 'request' });
      expect(events[1].ics).to.include({ value: '170', direction: 'response' }).and.not.have.property('address');
    });

    it('reads modbus_detailed rows with the header stripped, by column count', () => {
      const lines = corpusLines(...DIR, 'modbus_detailed.log').filter((l) => !l.startsWith('#'));
      const outcomes = lines.map((l) => parseRaw(zeekModbusParser, l));
      const events = expectAllValid(outcomes, lines);
      expect(events).to.have.length(lines.length);
      expect(events.every((e) => e.event.dataset === 'zeek.modbus_detailed')).to.equal(true);
    });

    it('tells headerless read_write_multiple_registers rows from modbus_detailed rows of the same width', () => {
      const lines = corpusLines(...DIR, 'modbus_read_write_multiple_registers.log').filter((l) => !l.startsWith('#'));
      const event = parseOne(zeekModbusParser, lines[0]);
      expect(event.event.dataset).to.equal('zeek.modbus_read_write_multiple_registers');
    });

    it('refuses a line whose timestamp is still masked', () => {
      const masked = maskedLines(...DIR, 'modbus.log')[1];
      expect(expectError(parseRaw(zeekModbusParser, masked), 'bad-timestamp')).to.contain('XXXXXXXXXX.XXXXXX');
    });
  });

  describe('parse (JSON)', () => {
    it('reads the JSON form with flat dotted keys and gives the TSV result', () => {
      const json = `{"ts":${REAL_TS},"uid":"CHhAvVGS1DHFjwGM9","id.orig_h":"127.0.0.1","id.orig_p":47785,"id.resp_h":"127.0.0.1","id.resp_p":502,"tid":10,"unit":7,"func":"WRITE_SINGLE_REGISTER","address":1,"quantity":1,"request_values":[43981],"response_values":[43981],"matched":true}`;
      const tsv = corpusLines(...DIR, 'modbus_detailed.log').find((l) => l.includes('\t10\t7\tWRITE_SINGLE_REGISTER'));
      const a = parseOne(zeekModbusParser, json);
      const b = parseOne(zeekModbusParser, tsv!);
      expect({ ...a, event: { ...a.event, original: '' } }).to.deep.equal({ ...b, event: { ...b.event, original: '' } });
    });

    it('reads nested id objects, ISO ts, IPv6 endpoints and _path', () => {
      const event = parseOne(zeekModbusParser, '{"_path":"modbus","ts":"2026-11-25T06:00:01.25Z","uid":"C1","id":{"orig_h":"2001:DB8::10","orig_p":50001,"resp_h":"2001:db8:0:0::20","resp_p":502},"func":"WRITE_MULTIPLE_COILS","exception":null}');
      expect(event['@timestamp']).to.equal('2026-11-25T06:00:01.250Z');
      expect(event.source).to.deep.equal({ ip: '2001:db8::10', port: 50001 });
      expect(event.destination).to.deep.equal({ ip: '2001:db8::20', port: 502 });
      expect(event.network).to.include({ type: 'ipv6' });
      expect(event.ics).to.include({ function: 'WRITE_MULTIPLE_COILS', function_code: 15, is_write: true });
    });
  });

  describe('parse (malformed)', () => {
    const base = ['1732543201.5', 'C1', '10.1.1.5', '47785', '10.1.1.20', '502', 'READ_COILS', '-'];
    const line = (i: number, v: string): string => base.map((x, j) => (j === i ? v : x)).join('\t');

    it('refuses a bad IP, naming the field', () => {
      expect(expectError(parseRaw(zeekModbusParser, line(2, '999.1.1.1')), 'bad-field')).to.contain('id.orig_h');
    });

    it('refuses a port above 65535', () => {
      expect(expectError(parseRaw(zeekModbusParser, line(5, '70000')), 'bad-field')).to.contain('id.resp_p');
    });

    it('refuses a non-numeric unit id', () => {
      const cols = [...base.slice(0, 6), '1', 'x7', 'READ_COILS', 'REQ', '-'];
      expect(expectError(parseRaw(zeekModbusParser, cols.join('\t')), 'bad-field')).to.contain('unit');
    });

    it('refuses a truncated row on a stream with a header (wrong column count)', () => {
      const lines = corpusLines(...DIR, 'modbus_detailed.log');
      const header = lines.filter((l) => l.startsWith('#'));
      const row = lines.find((l) => !l.startsWith('#'))!;
      const outcomes = runStream(zeekModbusParser, [...header, row.split('\t').slice(0, 12).join('\t')]);
      expect(outcomes.slice(0, header.length).every((o) => o.kind === 'skip')).to.equal(true);
      expect(expectError(outcomes[header.length], 'malformed')).to.match(/12 columns.*21/);
    });

    it('answers no-header for a headerless row of a width no layout has', () => {
      const reason = expectError(parseRaw(zeekModbusParser, base.slice(0, 5).join('\t')), 'no-header');
      expect(reason).to.contain('#fields');
      expect(reason).to.contain(`modbus_detailed ${MODBUS_LAYOUTS[0].fields.length}`);
    });

    it('refuses bad JSON, and JSON that names no Modbus log', () => {
      expectError(parseRaw(zeekModbusParser, '{"ts":1732543201.5,"uid":'), 'malformed');
      expectError(parseRaw(zeekModbusParser, '{"ts":1732543201.5}'), 'unrecognised');
    });

    it('refuses text that is not Zeek at all', () => {
      expect(expectError(parseRaw(zeekModbusParser, 'Nov 25 14:00:01 gw-01 sshd[1]: Accepted password for root'), 'unrecognised')).to.contain('not a Zeek log record');
    });

    it('refuses a log path it does not read', () => {
      const outcomes = runStream(zeekModbusParser, ['#separator \\x09', '#path\tconn', '#fields\tts\tuid', '1732543201.5\tC1']);
      expect(expectError(outcomes[3], 'unrecognised')).to.contain('"conn"');
    });

    it('skips blank lines and header lines', () => {
      expect(parseRaw(zeekModbusParser, '')).to.deep.equal({ kind: 'skip' });
      expect(parseRaw(zeekModbusParser, '#close\t2026-11-25-14-00-00')).to.deep.equal({ kind: 'skip' });
    });
  });
});
