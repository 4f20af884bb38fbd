import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { OPCUA_LAYOUTS, zeekOpcuaParser } from '../../../collector/parsers/zeek-opcua.js';
import { corpusPath } from '../../helpers/paths.js';
import { corpusLines, cutHeader, maskedLines } from './zeek/corpus.js';
import { expectAllValid, expectError, parseOne, parseRaw, runStream } from './parser-helpers.js';
import type { ParsedEvent } from './parser-helpers.js';

const BASE = ['icsnpp-opcua-binary', 'tests', 'baseline'];
const DIRS = readdirSync(corpusPath('ics', ...BASE));

/**
 * The OPC UA baselines were cut with `zeek-cut -n <link ids>`, which drops
 * the header; put back the header of what the cut left, then read the rows
 * on that stream, as a file Zeek wrote would be read.
 */
function events(dir: string, path: string): ParsedEvent[] {
  const layout = OPCUA_LAYOUTS.find((l) => l.path === path)!;
  const lines = [...cutHeader(layout), ...corpusLines(...BASE, dir, `${path}.log`)];
  return expectAllValid(runStream(zeekOpcuaParser, lines), lines);
}

describe('zeekOpcuaParser', () => {
  describe('parse (ICSNPP corpus)', () => {
    for (const dir of DIRS) {
      for (const layout of OPCUA_LAYOUTS) {
        const file = `${layout.path}.log`;
        if (!readdirSync(corpusPath('ics', ...BASE, dir)).includes(file)) continue;
        it(`reads every line of ${dir}/${file} without an error`, () => {
          const evs = events(dir, layout.path);
          expect(evs.length).to.be.greaterThan(0);
          for (const e of evs) {
            expect(e.ics).to.include({ protocol: 'opcua' });
            expect(e.event.dataset).to.equal(`zeek.${layout.path}`);
          }
        });
      }
    }

    it('maps an ActivateSession message over IPv6 loopback', () => {
      const activate = events('analyzer.basic', 'opcua_binary').find((e) => e.ics?.service === 'ActivateSessionRequest');
      expect(activate?.source).to.deep.equal({ ip: '::1', port: 56322 });
      expect(activate?.destination).to.deep.equal({ ip: '::1', port: 4840 });
      expect(activate?.network).to.deep.equal({ transport: 'tcp', protocol: 'opcua', type: 'ipv6' });
      expect(activate?.ics).to.deep.equal({
        protocol: 'opcua', session_id: 'CtPZjS20MLrsMUOJi2', function: 'ActivateSession', service: 'ActivateSessionRequest',
        is_write: false, function_code: 467, direction: 'both', subfunction: 'MSG',
      });
      expect(activate?.event).to.include({ action: 'opcua-activate-session' });
      expect(activate?.event.category).to.deep.equal(['network', 'authentication']);
    });

    it('maps Hello with its endpoint URL and OpenSecureChannel with its policy', () => {
      const evs = events('analyzer.basic', 'opcua_binary');
      expect(evs[0].ics).to.include({ function: 'Hello', subfunction: 'HEL' });
      expect(evs[0].url).to.deep.equal({ original: 'opc.tcp://localhost:4840' });
      expect(evs[0].event.action).to.equal('opcua-hello');
      const open = evs.find((e) => e.ics?.subfunction === 'OPN');
      expect(open?.ics).to.include({ function: 'OpenSecureChannel', service: 'OpenSecureChannelRequest', function_code: 446 });
      expect(open?.labels).to.deep.equal({ security_policy_uri: 'http://opcfoundation.org/UA/SecurityPolicy#None' });
    });

    it('maps a Bad status code as the exception', () => {
      const bad = events('analyzer.basic', 'opcua_binary_status_code_detail').find((e) => e.ics?.exception !== undefined);
      expect(bad?.ics).to.include({ function: 'CreateMonitoredItems', exception: 'BadNodeIdUnknown (0x80340000)', direction: 'response' });
      expect(bad?.event).to.include({ outcome: 'failure', action: 'opcua-status-code' });
      const good = events('analyzer.basic', 'opcua_binary_status_code_detail')[0];
      expect(good.ics).to.include({ function: 'ResponseHeader', status: 'Good (0x00000000)' });
    });

    it('maps a Write request with the node written', () => {
      const [request, response] = events('analyzer.basic', 'opcua_binary_write');
      expect(request.ics).to.deep.equal({
        protocol: 'opcua', session_id: 'CtPZjS20MLrsMUOJi2', function: 'Write', service: 'WriteRequest', is_write: true,
        address: 'ns=1;s=the.answer', subfunction: 'Value', direction: 'request',
      });
      expect(request.event.action).to.equal('opcua-write');
      expect(response.ics).to.include({ service: 'WriteResponse', direction: 'response' });
    });

    it('maps ActivateSession with the user name and never the password', () => {
      const [request] = events('analyzer.basic', 'opcua_binary_activate_session');
      expect(request.user).to.deep.equal({ name: 'user1' });
      expect(request.ics).to.include({ subfunction: 'UserNameIdentityToken', service: 'ActivateSessionRequest' });
      expect(JSON.stringify({ ...request, event: { ...request.event, original: '' } })).to.not.contain('password');
    });

    it('maps CreateSession with the endpoint and the session id', () => {
      const [request, response] = events('analyzer.basic', 'opcua_binary_create_session');
      expect(request.url).to.deep.equal({ original: 'opc.tcp://localhost:4840' });
      expect(request.labels).to.deep.include({ application_uri: 'urn:unconfigured:application' });
      expect(response.labels).to.deep.equal({ opcua_session_id: 'ns=1;g=a0f7639b-18fd-8d0a-5235-f3cff51fd1dd' });
      expect(response.event.category).to.deep.equal(['network', 'session']);
    });

    it('reads a full-width opcua_binary row with no header by the ICSNPP default columns', () => {
      const layout = OPCUA_LAYOUTS[0];
      const row = corpusLines(...BASE, 'analyzer.basic', 'opcua_binary.log')[4];
      // Put the three link-id columns back where Zeek writes them.
      const cut = layout.fields.filter((f) => !f.endsWith('link_id'));
      const values = new Map(cut.map((f, i) => [f, row.split('\t')[i]]));
      const full = layout.fields.map((f) => values.get(f) ?? 'LinkIdXyz').join('\t');
      const e = parseOne(zeekOpcuaParser, full);
      expect(e.ics).to.include({ service: 'GetEndpointsRequest', function: 'GetEndpoints' });
      expect(expectError(parseRaw(zeekOpcuaParser, row), 'no-header')).to.contain('opcua_binary 58');
    });

    it('refuses masked timestamps', () => {
      const row = maskedLines(...BASE, 'analyzer.basic', 'opcua_binary_write.log')[1];
      const layout = OPCUA_LAYOUTS.find((l) => l.path === 'opcua_binary_write')!;
      const outcomes = runStream(zeekOpcuaParser, [...cutHeader(layout), row]);
      expectError(outcomes[outcomes.length - 1], 'bad-timestamp');
    });
  });

  describe('parse (other ICSNPP OPC UA logs)', () => {
    it('gives a generic event for an opcua_binary_* log it has no table for', () => {
      const lines = ['#separator \\x09', '#path\topcua_binary_read', '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tis_orig\tmax_age',
        ...corpusLines(...BASE, 'analyzer.basic', 'opcua_binary_read.log').map((l) => l.split('\t').slice(0, 7).concat('0').join('\t'))];
      const evs = expectAllValid(runStream(zeekOpcuaParser, lines), lines);
      expect(evs[0].ics).to.include({ function: 'read', direction: 'request', is_write: false });
      expect(evs[0].event.action).to.equal('opcua-read');
    });
  });

  describe('parse (JSON)', () => {
    it('reads the parser sample (JSON, IPv6)', () => {
      const e = parseOne(zeekOpcuaParser, zeekOpcuaParser.sample);
      expect(e.source).to.deep.equal({ ip: '2001:db8::10', port: 56322 });
      expect(e.ics).to.include({ service: 'ActivateSessionRequest', direction: 'both' });
    });

    it('reads a JSON write record without _path by its fields', () => {
      const e = parseOne(zeekOpcuaParser, '{"ts":"2026-11-25T06:00:01Z","uid":"C3","id.orig_h":"10.20.0.5","id.orig_p":50000,"id.resp_h":"10.20.0.9","id.resp_p":4840,"is_orig":true,"node_id_encoding_mask":"0x01","node_id_namespace_idx":2,"node_id_numeric":6001,"attribute_id":13,"attribute_id_str":"Value","data_value_encoding_mask":"0x01"}');
      expect(e.ics).to.include({ function: 'Write', is_write: true, address: 'ns=2;i=6001' });
      expect(e['@timestamp']).to.equal('2026-11-25T06:00:01.000Z');
    });
  });

  describe('parse (malformed)', () => {
    it('refuses a JSON ts that is neither epoch nor ISO with offset', () => {
      expect(expectError(parseRaw(zeekOpcuaParser, '{"_path":"opcua_binary","ts":"25/11/2026","uid":"C1","msg_type":"HEL"}'), 'bad-timestamp')).to.contain('25/11/2026');
    });

    it('refuses a JSON port that is not a number', () => {
      expect(expectError(parseRaw(zeekOpcuaParser, '{"_path":"opcua_binary","ts":1732543201.5,"uid":"C1","id.orig_h":"::1","id.orig_p":"http","msg_type":"HEL"}'), 'bad-field')).to.contain('id.orig_p');
    });
  });
});
