/**
 * The advisory routes: issued by the national center or a provincial
 * regulator (within what it oversees), read by whoever issued one or is
 * addressed by it, acknowledged by the enterprises it targets, and
 * exchanged as STIX 2.1 bundles, what MISP and OpenCTI speak.
 */
import { z } from 'zod';
import { Collections } from '../../core/store/documents.js';
import { notFound, type ApiRoutes } from '../api-routes.js';
import type { ApiDeps } from '../api.js';
import type { CoordinationApiDeps } from '../coordination-api.js';
import type { AdvisoryRecord } from '../coordination/advisories.js';
import { advisoryToStix, stixToAdvisoryInput } from '../coordination/stix.js';
import { visibleAdvisory } from '../live/visibility.js';
import { PageParams, pageOfDocuments } from './paging.js';
import { AdvisoryBody, AdvisoryRecordSchema, NextCursor, StixBundleSchema, StixImportBody, StixSkipSchema } from './schemas.js';
import { ownView, provincialTargets, refusal, requireEnterprise, requireIssuer } from './scoping.js';

const AdvisoryAnswer = z.strictObject({ advisory: AdvisoryRecordSchema });

const WHO_SEES = 'The national center sees every advisory whole; another org, the advisories it issued or that target an org it sees, with the targets and receipts of the orgs it sees only (an enterprise: its own). Any other advisory is a 404.';

export function addAdvisoryRoutes(routes: ApiRoutes, api: ApiDeps, deps: CoordinationApiDeps): void {
  const { registry } = api;
  const { coordination } = deps;

  routes.add({
    method: 'post', path: '/advisories', tag: 'advisories', summary: 'Issue an advisory to the enterprises its targets select, with indicators to detect',
    description: 'The national center, to any targets; a provincial regulator, within its province and the categories it oversees (asking for more is a 403). Indicators are checked first: one that cannot become a detection refuses the advisory (400).',
    body: AdvisoryBody,
    status: 201,
    response: AdvisoryAnswer,
    authorize: (a) => requireIssuer(a, 'advisories'),
    handle: async ({ access, body: b }) => {
      requireIssuer(access, 'advisories');
      const targets = access.org.tier === 'provincial' ? provincialTargets(access, b.targets) : b.targets;
      const record = await coordination.advisories.issue({ ...b, targets, issuer: access.org.id }).catch(refusal);
      return { advisory: ownView(visibleAdvisory(access, record), 'advisory') };
    },
  });

  routes.add({
    method: 'get', path: '/advisories', tag: 'advisories', summary: 'Advisories the caller issued or is addressed by, newest first, one page at a time',
    description: `${WHO_SEES} \`from\` and \`to\` range over when an advisory was issued.`,
    query: z.strictObject(PageParams),
    response: z.strictObject({ advisories: z.array(AdvisoryRecordSchema), nextCursor: NextCursor }),
    handle: async ({ access, query }) => {
      const page = await pageOfDocuments<AdvisoryRecord, AdvisoryRecord>(
        coordination.ctx.store, Collections.advisories, 'advisories', query, (r) => visibleAdvisory(access, r));
      return { advisories: page.items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
    },
  });

  routes.add({
    method: 'get', path: '/advisories/:id/stix', tag: 'advisories', summary: 'An advisory as a STIX 2.1 bundle: a report, its issuer and an indicator per indicator',
    description: `${WHO_SEES} The bundle carries the caller's view of the targets (x_iisa_targets).`,
    response: StixBundleSchema,
    handle: async ({ access, path }) => {
      const record = await coordination.advisories.get(path.id);
      const view = record && visibleAdvisory(access, record);
      if (!view) throw notFound('advisory', path.id);
      const bundle = advisoryToStix(view.advisory, registry.get(view.advisory.issuer)?.name);
      // Spread into plain objects: the STIX object interfaces have no index signature, which the open bundle schema asks for.
      return { ...bundle, objects: bundle.objects.map((o) => ({ ...o })) };
    },
  });

  routes.add({
    method: 'post', path: '/advisories/stix', tag: 'advisories', summary: 'Issue a STIX 2.1 bundle\'s indicators as a new advisory',
    description: 'Who may issue, and to whom, as for POST /advisories. The title, grade and targets come from the bundle\'s report (x_iisa_grade, x_iisa_targets) or the body; what cannot be read is left out and listed in `skipped` with the reason. Anything but a bundle is a 400.',
    body: StixImportBody,
    status: 201,
    response: z.strictObject({ advisory: AdvisoryRecordSchema, skipped: z.array(StixSkipSchema) }),
    authorize: (a) => requireIssuer(a, 'advisories'),
    handle: async ({ access, body: b }) => {
      requireIssuer(access, 'advisories');
      const imported = (() => {
        try {
          return stixToAdvisoryInput(b.bundle, { ...(b.grade ? { grade: b.grade } : {}), ...(b.targets ? { targets: b.targets } : {}) });
        } catch (err) {
          return refusal(err);
        }
      })();
      const input = access.org.tier === 'provincial' ? { ...imported.input, targets: provincialTargets(access, imported.input.targets) } : imported.input;
      const record = await coordination.advisories.issue({ ...input, issuer: access.org.id }).catch(refusal);
      return { advisory: ownView(visibleAdvisory(access, record), 'advisory'), skipped: imported.skipped };
    },
  });

  routes.add({
    method: 'get', path: '/advisories/:id', tag: 'advisories', summary: 'One advisory with the receipts of its targets',
    description: WHO_SEES,
    response: AdvisoryAnswer,
    handle: async ({ access, path }) => {
      const record = await coordination.advisories.get(path.id);
      const view = record && visibleAdvisory(access, record);
      if (!view) throw notFound('advisory', path.id);
      return { advisory: view };
    },
  });

  routes.add({
    method: 'post', path: '/advisories/:id/ack', tag: 'advisories', summary: 'Acknowledge an advisory: a person at the enterprise has read it',
    description: 'An enterprise the advisory is addressed to, at its own node (the receipt travels up to the issuer). Regulators and the national center cannot (403).',
    response: AdvisoryAnswer,
    handle: async ({ access, path }) => {
      requireEnterprise(access, 'acknowledging an advisory');
      const record = await coordination.advisories.acknowledge(path.id, access.org.id, access.principal.tokenId).catch(refusal);
      return { advisory: ownView(visibleAdvisory(access, record), 'advisory') };
    },
  });
}
