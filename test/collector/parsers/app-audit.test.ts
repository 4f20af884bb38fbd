import { expect } from 'chai';
import { appAuditParser } from '../../../collector/parsers/app-audit.js';
import { expectError, expectEvent, parseLine } from './platform-helpers.js';

const parse = (text: string) => parseLine(appAuditParser, text);
const audit = (fields: Record<string, unknown>) => parse(JSON.stringify({ ts: '2026-11-25T14:00:01.123+08:00', ...fields }));

describe('appAuditParser', () => {
  describe('parse', () => {
    it('maps a failed login with geo, user agent and tenant', () => {
      const line = '{"ts":"2026-11-25T14:00:01.123+08:00","action":"login","outcome":"failure","user":"alice","tenant":"acme","src_ip":"203.0.113.9","user_agent":"Mozilla/5.0","reason":"bad_password","session":"s-81f2","geo":{"country":"CN","city":"Nanjing"}}';
      const ev = expectEvent(parse(line));
      expect(ev['@timestamp']).to.equal('2026-11-25T06:00:01.123Z');
      expect(ev.event).to.include({ action: 'login', outcome: 'failure', reason: 'bad_password', module: 'platform', dataset: 'app-audit', original: line });
      expect(ev.event.category).to.deep.equal(['authentication']);
      expect(ev.event.type).to.deep.equal(['start']);
      expect(ev.user).to.deep.equal({ name: 'alice' });
      expect(ev.source).to.deep.equal({ ip: '203.0.113.9', geo: { country_iso_code: 'CN', city_name: 'Nanjing' } });
      expect(ev.user_agent).to.deep.equal({ original: 'Mozilla/5.0' });
      expect(ev.labels).to.deep.equal({ tenant: 'acme', session_id: 's-81f2' });
      expect(ev.message).to.equal('login by alice (tenant acme) from 203.0.113.9 failed: bad_password');
    });

    it('canonicalises an IPv6 source', () => {
      const ev = expectEvent(audit({ action: 'logout', outcome: 'success', user: 'alice', src_ip: '2001:DB8:0:0::9', src_port: 51514 }));
      expect(ev.source).to.deep.equal({ ip: '2001:db8::9', port: 51514 });
      expect(ev.related).to.deep.equal({ ip: ['2001:db8::9'], user: ['alice'] });
      expect(ev.event.type).to.deep.equal(['end']);
    });

    const table: [string, string[], string[]][] = [
      ['mfa', ['authentication'], ['info']],
      ['api_key.use', ['api', 'authentication'], ['access']],
      ['api_key.create', ['api', 'iam'], ['creation']],
      ['api_key.revoke', ['api', 'iam'], ['deletion']],
      ['device.register', ['configuration'], ['creation']],
      ['device.delete', ['configuration'], ['deletion']],
      ['config.change', ['configuration'], ['change']],
      ['permission.change', ['iam'], ['change', 'admin']],
      ['firmware.push', ['configuration', 'package'], ['change', 'installation']],
      ['data.export', ['database'], ['access']],
      ['device.update', ['configuration'], ['change']],
      ['role.grant', ['iam'], ['change', 'admin']],
      ['report.view', ['api'], ['info']],
    ];
    for (const [action, category, type] of table) {
      it(`files ${action} under ${category.join('+')} / ${type.join('+')}`, () => {
        const ev = expectEvent(audit({ action, outcome: 'success', user: 'ops' }));
        expect(ev.event.action).to.equal(action);
        expect(ev.event.category).to.deep.equal(category);
        expect(ev.event.type).to.deep.equal(type);
      });
    }

    it('puts ids in labels, a path resource in url.path and changes as JSON text', () => {
      const ev = expectEvent(audit({
        action: 'config.change', outcome: 'success', user: 'bob', user_id: 'u-17', role: 'plant-admin',
        api_key_id: 'ak_7f3c', device_id: 'PLC-0042', resource: '/api/v1/plants/3/setpoints',
        changes: { setpoint: { from: 70, to: 95 } }, app: 'iiot-core',
      }));
      expect(ev.url).to.deep.equal({ path: '/api/v1/plants/3/setpoints' });
      expect(ev.labels).to.deep.equal({ api_key_id: 'ak_7f3c', device_id: 'PLC-0042', changes: '{"setpoint":{"from":70,"to":95}}' });
      expect(ev.user).to.deep.equal({ name: 'bob', id: 'u-17', roles: ['plant-admin'] });
      expect(ev.observer).to.deep.equal({ type: 'platform', product: 'iiot-core' });
      expect(ev.message).to.equal('configuration change of PLC-0042 by bob succeeded');
    });

    it('keeps a resource that is not a path in labels', () => {
      const ev = expectEvent(audit({ action: 'data.export', outcome: 'success', user: 'carol', resource: 'historian:line-3', target_user: 'dave' }));
      expect(ev.url).to.equal(undefined);
      expect(ev.labels).to.deep.equal({ resource: 'historian:line-3', target_user: 'dave' });
      expect(ev.related?.user).to.deep.equal(['carol', 'dave']);
    });

    it('defaults a missing outcome to unknown and accepts epoch milliseconds', () => {
      const ev = expectEvent(parse('{"ts":1795586401123,"action":"device.register","device_id":"PUMP-0042"}'));
      expect(ev['@timestamp']).to.equal(new Date(1795586401123).toISOString());
      expect(ev.event.outcome).to.equal('unknown');
      expect(ev.message).to.equal('device registration of PUMP-0042 by an unnamed user recorded');
    });

    it('reads a record behind an RFC 5424 syslog header', () => {
      const ev = expectEvent(parse('<134>1 2026-11-25T14:00:01.200+08:00 app01 iiot-audit - - - {"ts":"2026-11-25T14:00:01.123+08:00","action":"login","outcome":"success","user":"alice"}'));
      expect(ev.host).to.deep.equal({ hostname: 'app01' });
      expect(ev['@timestamp']).to.equal('2026-11-25T06:00:01.123Z');
    });

    it('rejects bad JSON and truncated records as malformed', () => {
      expectError(parse('{"ts":"2026-11-25T14:00:01.123+08:00","action":"login","user":"al'), 'malformed', /not JSON.*truncated/);
      expectError(parse('{"ts":"2026-11-25T14:00:01Z","action":"login",}'), 'malformed', /not JSON/);
    });

    it('rejects JSON that is not one object as malformed', () => {
      expectError(parse('[{"ts":"2026-11-25T14:00:01Z","action":"login"}]'), 'malformed', /one JSON object, got an array/);
    });

    it('rejects a missing required field as malformed, naming it', () => {
      expectError(parse('{"ts":"2026-11-25T14:00:01Z","user":"alice"}'), 'malformed', /required field "action" is missing/);
      expectError(parse('{"action":"login"}'), 'malformed', /required field "ts" is missing/);
    });

    it('rejects bad times as bad-timestamp', () => {
      expectError(audit({ ts: 'yesterday', action: 'login' }), 'bad-timestamp', /"yesterday" is not an ISO-8601 time/);
      expectError(audit({ ts: '2026-11-25T14:00:01', action: 'login' }), 'bad-timestamp', /with an offset/);
      expectError(audit({ ts: '2026-02-30T14:00:01Z', action: 'login' }), 'bad-timestamp', /2026-02-30/);
      expectError(audit({ ts: 1795586401, action: 'login' }), 'bad-timestamp', /seconds are not accepted/);
      expectError(audit({ ts: true, action: 'login' }), 'bad-timestamp', /field "ts"/);
    });

    it('rejects wrongly typed or impossible fields as bad-field', () => {
      expectError(audit({ action: 'login', src_ip: '999.1.1.1' }), 'bad-field', /field "src_ip": not an IPv4 or IPv6 address.*999\.1\.1\.1/);
      expectError(audit({ action: 'login', outcome: 'denied' }), 'bad-field', /field "outcome".*"denied"/);
      expectError(audit({ action: 'login', user: 42 }), 'bad-field', /field "user"/);
      expectError(audit({ action: 'login', src_port: 70000 }), 'bad-field', /field "src_port"/);
      expectError(audit({ action: 'login', geo: { country: 'China' } }), 'bad-field', /field "geo\.country": a country is an ISO 3166-1 alpha-2 code/);
      expectError(audit({ action: 'log in' }), 'bad-field', /an action is one word/);
      expectError(audit({ action: 'config.change', changes: 'setpoint=95' }), 'bad-field', /field "changes"/);
    });

    it('reports text that is not JSON as unrecognised', () => {
      expectError(parse('203.0.113.9 - - [25/Nov/2026:14:00:01 +0800] "GET / HTTP/1.1" 200 5'), 'unrecognised', /JSON objects, one a line/);
    });
  });
});
