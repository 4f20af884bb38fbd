import { expect } from 'chai';
import { opcuaAuditParser } from '../../../collector/parsers/opcua-audit.js';
import { expectError, parseOne, parseRaw, RECEIVED_AT } from './parser-helpers.js';

const line = (fields: Record<string, unknown>): string => JSON.stringify(fields);
const ACTIVATE = {
  EventType: 'AuditActivateSessionEventType', Time: '2026-11-25T14:00:01.500+08:00', ServerId: 'urn:plant-a:opcua',
  ClientAuditEntryId: 'hmi-3:99', ClientUserId: 'operator2', Status: false, SessionId: 'ns=1;i=77001',
  SourceName: 'Session/ActivateSession', ClientAddress: '10.20.0.15:53000', Severity: 700,
  Message: 'ActivateSession rejected: BadUserAccessDenied', SecurityPolicyUri: 'http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256',
};

describe('opcuaAuditParser', () => {
  describe('parse', () => {
    it('maps a write with IPv6 client address in opc.tcp URL form', () => {
      const e = parseOne(opcuaAuditParser, opcuaAuditParser.sample);
      expect(e['@timestamp']).to.equal('2026-11-25T06:00:01.250Z');
      expect(e.event).to.deep.include({ category: ['configuration'], type: ['change'], outcome: 'success', action: 'opcua-write-update', code: 'AuditWriteUpdateEventType', severity: 500, dataset: 'opcua.audit' });
      expect(e.source).to.deep.equal({ ip: '2001:db8::5', address: '2001:db8::5', port: 53211 });
      expect(e.user).to.deep.equal({ name: 'operator2' });
      expect(e.ics).to.deep.equal({
        protocol: 'opcua', service: 'Write', function: 'Write', is_write: true, direction: 'request',
        session_id: 'ns=1;g=39121615-46f3-6d34-fecf-fcbfbacb4c14', address: 'ns=2;s=Line3.Pump1.Setpoint', value: '42.5', subfunction: 'Value',
      });
      expect(e.labels).to.deep.include({ old_value: '40', client_audit_entry_id: 'eng-ws-07:4711' });
      expect(e.network).to.deep.include({ type: 'ipv6', protocol: 'opcua' });
    });

    it('maps a failed session activation as authentication failure', () => {
      const e = parseOne(opcuaAuditParser, line(ACTIVATE));
      expect(e['@timestamp']).to.equal('2026-11-25T06:00:01.500Z');
      expect(e.event).to.deep.include({ category: ['authentication', 'session'], type: ['start'], outcome: 'failure', action: 'opcua-activate-session' });
      expect(e.source).to.deep.equal({ ip: '10.20.0.15', address: '10.20.0.15', port: 53000 });
      expect(e.ics).to.include({ service: 'ActivateSession', is_write: false, session_id: 'ns=1;i=77001' });
      expect(e.message).to.equal('ActivateSession rejected: BadUserAccessDenied');
      expect(e.observer).to.deep.include({ name: 'urn:plant-a:opcua' });
    });

    it('maps certificate, call and node-management events', () => {
      const cert = parseOne(opcuaAuditParser, line({ EventType: 'AuditCertificateUntrustedEventType', Status: false, ClientAddress: '[2001:db8::99]:4841' }));
      expect(cert.event).to.deep.include({ category: ['authentication'], outcome: 'failure', action: 'opcua-certificate-untrusted' });
      expect(cert.source).to.deep.include({ ip: '2001:db8::99', port: 4841 });
      expect(cert['@timestamp']).to.equal(RECEIVED_AT.toISOString());
      const call = parseOne(opcuaAuditParser, line({ EventType: 'AuditUpdateMethodEventType', Status: true, MethodId: 'ns=2;s=Line3.Stop', Time: 1795615201000 }));
      expect(call.ics).to.include({ service: 'Call', is_write: true, address: 'ns=2;s=Line3.Stop' });
      expect(call['@timestamp']).to.equal('2026-11-25T14:00:01.000Z');
      const del = parseOne(opcuaAuditParser, line({ EventType: 'AuditDeleteNodesEventType', Status: true, ClientAddress: 'opc.tcp://eng-ws-07:53211' }));
      expect(del.event.type).to.deep.equal(['deletion']);
      expect(del.source).to.deep.equal({ address: 'eng-ws-07', domain: 'eng-ws-07', port: 53211 });
    });

    it('gives an audit type it has no table entry for a generic event', () => {
      const e = parseOne(opcuaAuditParser, line({ EventType: 'AuditProgramTransitionEventType', Status: true, ClientAddress: '2001:db8::7' }));
      expect(e.ics).to.include({ service: 'AuditProgramTransitionEventType', function: 'ProgramTransition', is_write: false });
      expect(e.event.action).to.equal('opcua-program-transition');
      expect(e.source).to.deep.include({ ip: '2001:db8::7' });
    });
  });

  describe('parse (malformed)', () => {
    it('refuses bad JSON and a truncated line', () => {
      expect(expectError(parseRaw(opcuaAuditParser, '{"EventType":"AuditWriteUpdateEventType","Status":tru'), 'malformed')).to.contain('JSON');
    });

    it('refuses a record with no EventType, or one that is not an audit type', () => {
      expectError(parseRaw(opcuaAuditParser, line({ Status: true })), 'unrecognised');
      expect(expectError(parseRaw(opcuaAuditParser, line({ EventType: 'BaseEventType', Status: true })), 'unrecognised')).to.contain('audit event type');
      expectError(parseRaw(opcuaAuditParser, 'EventType=AuditWriteUpdateEventType'), 'unrecognised');
    });

    it('refuses a missing or non-boolean Status', () => {
      expect(expectError(parseRaw(opcuaAuditParser, line({ EventType: 'AuditWriteUpdateEventType' })), 'malformed')).to.contain('Status');
      expectError(parseRaw(opcuaAuditParser, line({ EventType: 'AuditWriteUpdateEventType', Status: 'yes' })), 'malformed');
    });

    it('refuses a Time without offset', () => {
      expect(expectError(parseRaw(opcuaAuditParser, line({ ...ACTIVATE, Time: '2026-11-25 14:00:01' })), 'bad-timestamp')).to.contain('offset');
    });

    it('refuses a bad client IP, a bad port and an out-of-range Severity', () => {
      expect(expectError(parseRaw(opcuaAuditParser, line({ ...ACTIVATE, ClientAddress: '10.20.0.300' })), 'bad-field')).to.contain('ClientAddress');
      expectError(parseRaw(opcuaAuditParser, line({ ...ACTIVATE, ClientAddress: 'opc.tcp://[2001:db8::5]:70000' })), 'bad-field');
      expect(expectError(parseRaw(opcuaAuditParser, line({ ...ACTIVATE, Severity: 1500 })), 'bad-field')).to.contain('Severity');
    });
  });
});
