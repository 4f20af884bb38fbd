/**
 * Roles fit tiers, and one table says what each may change.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { OrgRegistry } from '../../../core/orgs.js';
import { accessOf, PermissionDenied, requirePermission } from '../../../console/access.js';
import { ApiTokens } from '../../../console/api-tokens.js';
import { adminReachOf, permissionsOf, roleProblems, Roles } from '../../../console/accounts/roles.js';
import { repoRoot } from '../../helpers/paths.js';

describe('roles', () => {
  const registry = OrgRegistry.load(join(repoRoot, 'seeds', 'orgs.yaml'));
  const org = (id: string) => registry.get(id)!;

  describe('roleProblems', () => {
    it('refuses a role on an org of another tier, naming both', () => {
      expect(roleProblems(['enterprise-analyst'], org('ncisc'))).to.deep.equal(['role enterprise-analyst is for enterprise orgs, and ncisc is national']);
      expect(roleProblems(['national-officer'], org('js-jinling-motor'))).to.have.length(1);
      expect(roleProblems(['provincial-regulator'], org('ncisc'))).to.have.length(1);
      expect(roleProblems([], org('ncisc'))).to.deep.equal(['give at least one role']);
    });

    it('fits each role to its tier, and node-admin to every tier', () => {
      expect(roleProblems(['enterprise-analyst', 'enterprise-admin', 'node-admin'], org('js-jinling-motor'))).to.deep.equal([]);
      expect(roleProblems(['provincial-regulator', 'node-admin'], org('js-industry-regulator'))).to.deep.equal([]);
      expect(roleProblems(['national-officer', 'node-admin'], org('ncisc'))).to.deep.equal([]);
    });
  });

  describe('permissions', () => {
    it('lets enterprise roles triage and respond, regulators issue, admins manage users; nobody else', () => {
      const table = Object.fromEntries(Roles.map((r) => [r, [...permissionsOf([r])].sort()]));
      expect(table).to.deep.equal({
        'enterprise-analyst': ['respond', 'suppress', 'triage'],
        'enterprise-admin': ['manage-users', 'read-audit', 'respond', 'suppress', 'triage'],
        'provincial-regulator': ['issue'],
        'national-officer': ['issue'],
        'node-admin': ['manage-users', 'read-audit'],
      });
    });

    it('reaches every org for a node-admin and only its own org, granting enterprise roles only, for an enterprise admin', () => {
      expect(adminReachOf(['node-admin'])).to.deep.equal({ scope: 'node', grants: Roles });
      expect(adminReachOf(['enterprise-admin'])).to.deep.equal({ scope: 'org', grants: ['enterprise-analyst', 'enterprise-admin'] });
      expect(adminReachOf(['enterprise-analyst'])).to.equal(undefined);
    });

    it('refuses a missing permission with a message naming it and the roles that have it', () => {
      const analyst = accessOf({ kind: 'user', tokenId: 'a', orgId: 'js-jinling-motor', roles: ['enterprise-analyst'] }, registry);
      expect(() => requirePermission(analyst, 'triage')).to.not.throw();
      expect(() => requirePermission(analyst, 'issue')).to.throw(PermissionDenied, /missing permission "issue".*provincial-regulator, national-officer.*user a has enterprise-analyst/);
    });

    it('drops roles that no longer fit the org\'s tier when a credential is used', () => {
      const access = accessOf({ kind: 'user', tokenId: 'x', orgId: 'ncisc', roles: ['enterprise-admin', 'node-admin'] }, registry);
      expect(access.roles).to.deep.equal(['node-admin']);
      expect(access.permissions.has('triage')).to.equal(false);
    });
  });

  describe('API token roles', () => {
    it('gives a token without roles its tier\'s standard role, so existing token files keep their powers', () => {
      const tokens = new ApiTokens([
        { id: 'e', org: 'js-jinling-motor', token: 'tok-e-0000000000' },
        { id: 'p', org: 'js-industry-regulator', token: 'tok-p-0000000000' },
        { id: 'n', org: 'ncisc', token: 'tok-n-0000000000' },
        { id: 'admin', org: 'ncisc', roles: ['national-officer', 'node-admin'], token: 'tok-a-0000000000' },
      ], registry);
      const roles = (t: string) => accessOf(tokens.verify(t)!, registry).roles;
      expect(roles('tok-e-0000000000')).to.deep.equal(['enterprise-analyst']);
      expect(roles('tok-p-0000000000')).to.deep.equal(['provincial-regulator']);
      expect(roles('tok-n-0000000000')).to.deep.equal(['national-officer']);
      expect(roles('tok-a-0000000000')).to.deep.equal(['national-officer', 'node-admin']);
    });

    it('refuses a token file giving a role its org\'s tier cannot hold', () => {
      expect(() => new ApiTokens([{ id: 'bad', org: 'ncisc', roles: ['enterprise-analyst'], token: 'tok-bad-00000000' }], registry))
        .to.throw(/bad: role enterprise-analyst is for enterprise orgs, and ncisc is national/);
      expect(() => new ApiTokens([{ id: 'bad', org: 'ncisc', roles: ['superuser'], token: 'tok-bad-00000000' }], registry)).to.throw(/roles/);
    });
  });
});
