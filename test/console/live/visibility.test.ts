/**
 * The per-kind visibility rules of the live views, case by case beyond what
 * the socket tests publish: an issuer's own records, rollups over what the
 * caller sees, and alerts that were not escalated.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { OrgRegistry } from '../../../core/orgs.js';
import { accessOf } from '../../../console/access.js';
import { visibleAdvisory, visibleAlert, visiblePosture, visibleTask } from '../../../console/live/visibility.js';
import type { TaskRecord } from '../../../console/coordination/tasks.js';
import { repoRoot } from '../../helpers/paths.js';
import { JINLING, JS_REGULATOR, NATIONAL, PEARL, YANGTZE, makeAlert, makePosture } from './live-fixtures.js';

const registry = OrgRegistry.load(join(repoRoot, 'seeds', 'orgs.yaml'));
const access = (org: string) => accessOf({ kind: 'token', tokenId: `t-${org}`, orgId: org }, registry);
const ctx = { provinceOf: (id: string) => registry.get(id)?.province };

function taskBy(issuer: string, targets: string[]): TaskRecord {
  return {
    task: {
      id: 'task-1', issuer, issuerNode: 'n', title: 'Patch S7 firmware', text: '', targetOrgs: targets,
      deadline: '2026-11-30T10:00:00.000Z', requiredActions: ['patch'], issuedAt: '2026-11-25T10:00:00.000Z',
    },
    receivedFrom: 'local', receivedAt: '2026-11-25T10:00:00.000Z',
    targets: Object.fromEntries(targets.map((o, i) => [o, { status: i === 0 ? 'done' as const : 'pending' as const, revision: 0 }])),
    relayedTo: ['link-js', 'link-gd'],
  };
}

describe('live visibility', () => {
  describe('visibleAlert', () => {
    it('shows a tier the alerts escalated to it among the orgs it sees, never un-escalated ones of others', () => {
      const quiet = makeAlert(JINLING, 1);
      const toProvince = makeAlert(JINLING, 2, ['provincial']);
      expect(visibleAlert(access(JINLING), quiet)).to.equal(quiet);
      expect(visibleAlert(access(YANGTZE), toProvince)).to.equal(undefined);
      expect(visibleAlert(access(JS_REGULATOR), quiet)).to.equal(undefined);
      expect(visibleAlert(access(JS_REGULATOR), toProvince)).to.equal(toProvince);
      expect(visibleAlert(access(NATIONAL), toProvince)).to.equal(undefined);
      expect(visibleAlert(access(JS_REGULATOR), makeAlert(PEARL, 3, ['provincial']))).to.equal(undefined);
      expect(visibleAlert(access(NATIONAL), makeAlert(PEARL, 4, ['national']))).to.not.equal(undefined);
    });
  });

  describe('visiblePosture', () => {
    it('shows the summaries of the orgs the caller sees', () => {
      expect(visiblePosture(access(JINLING), makePosture(JINLING))).to.not.equal(undefined);
      expect(visiblePosture(access(JINLING), makePosture(YANGTZE))).to.equal(undefined);
      expect(visiblePosture(access(JS_REGULATOR), makePosture(PEARL))).to.equal(undefined);
      expect(visiblePosture(access(NATIONAL), makePosture(PEARL))).to.not.equal(undefined);
    });
  });

  describe('visibleTask', () => {
    it('shows the issuer everything and a target only itself, with the rollup over what it sees', () => {
      const record = taskBy(JS_REGULATOR, [JINLING, YANGTZE]);
      const issuer = visibleTask(access(JS_REGULATOR), record, ctx)!;
      expect(issuer.relayedTo).to.deep.equal(['link-js', 'link-gd']);
      expect(issuer.rollup).to.deep.equal({ JS: { pending: 1, accepted: 0, in_progress: 0, done: 1, overdue: 0 } });
      const target = visibleTask(access(YANGTZE), record, ctx)!;
      expect(Object.keys(target.targets)).to.deep.equal([YANGTZE]);
      expect(target.task.targetOrgs).to.deep.equal([YANGTZE]);
      expect(target.relayedTo).to.deep.equal([]);
      expect(target.rollup).to.deep.equal({ JS: { pending: 1, accepted: 0, in_progress: 0, done: 0, overdue: 0 } });
      expect(visibleTask(access(PEARL), record, ctx)).to.equal(undefined);
      // The original is left as it was: other clients get their own view of it.
      expect(Object.keys(record.targets)).to.deep.equal([JINLING, YANGTZE]);
    });
  });

  describe('visibleAdvisory', () => {
    it('shows a regulator its own advisory whoever it targets, and an enterprise only when addressed', () => {
      const record = {
        advisory: {
          id: 'adv-1', issuer: JS_REGULATOR, issuerNode: 'n', title: 'Modbus writes from outside', grade: 'III' as const, text: '',
          targets: { industries: [], categories: [], grades: [], provinces: ['JS'], orgs: [] },
          indicators: { ips: [], identifiers: [], domains: [], hashes: [], sigma: [] }, issuedAt: '2026-11-25T10:00:00.000Z',
        },
        receivedFrom: 'local', receivedAt: '2026-11-25T10:00:00.000Z', receipts: {}, relayedTo: ['link-js'],
      };
      expect(visibleAdvisory(access(JS_REGULATOR), record)?.relayedTo).to.deep.equal(['link-js']);
      expect(visibleAdvisory(access(JINLING), record)).to.equal(undefined);
      expect(visibleAdvisory(access(JINLING), { ...record, receipts: { [JINLING]: {} } })?.receipts).to.deep.equal({ [JINLING]: {} });
    });
  });
});
