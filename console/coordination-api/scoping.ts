/**
 * Who may do what on the coordination routes, by the tier of the caller's
 * org, and how the coordination services' refusals become HTTP answers.
 */
import { z } from 'zod';
import type { Targets } from '../../core/federation/messages.js';
import { AlertChangeError } from '../../detector/alerts/alert-book.js';
import { AccessDenied, type Access } from '../access.js';
import { ApiProblem } from '../api-support.js';
import { CoordinationError } from '../coordination/context.js';
import { IndicatorError } from '../coordination/indicators.js';

/** Which escalated alerts a tier sees beyond its own org's: the ones escalated to it. */
export function escalationFor(access: Access): 'provincial' | 'national' | undefined {
  return access.org.tier === 'enterprise' ? undefined : access.org.tier;
}

/** Triage is the owning enterprise's work; regulators read. */
export function requireEnterprise(access: Access, what: string): void {
  if (access.org.tier !== 'enterprise') throw new AccessDenied(`${what} is done by the enterprise that owns the alert; ${access.org.tier} accounts read only`);
}

export function requireIssuer(access: Access, what: string): void {
  if (access.org.tier === 'enterprise') throw new AccessDenied(`${what} are issued by the national center or a provincial regulator`);
}

/** A province speaks to its own province, and to the categories it oversees; asking for more is refused. */
export function provincialTargets(access: Access, targets: Targets): Targets {
  const oversees = access.org.oversees ?? [];
  const province = access.org.province;
  if (province === undefined) throw new AccessDenied(`${access.org.id} has no province in the registry`);
  if (targets.categories.some((c) => !oversees.includes(c))) throw new AccessDenied(`${access.org.id} oversees ${oversees.join(', ')} only`);
  return {
    ...targets, provinces: [province],
    categories: targets.categories.length ? targets.categories : [...oversees],
    orgs: targets.orgs.filter((o) => access.visible === undefined || access.visible.includes(o)),
  };
}

/** Map the services' refusals onto HTTP. */
export function refusal(err: unknown): never {
  if (err instanceof AlertChangeError || err instanceof CoordinationError) {
    // A transition the alert's state does not allow is a conflict with that state, not a malformed request.
    const status = err.code === 'not-found' ? 404 : err.code === 'forbidden' ? 403 : err.code === 'conflict' || err.code === 'transition' ? 409 : 400;
    throw new ApiProblem(status, err.code === 'transition' ? 'conflict' : err.code, err.message);
  }
  if (err instanceof IndicatorError) throw new ApiProblem(400, 'bad-request', err.message);
  if (err instanceof z.ZodError) throw new ApiProblem(400, 'bad-request', err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  throw err;
}

/**
 * The caller's view of a record it has just issued or answered. It always
 * has one (its own record, or one addressed to its org); none is a bug here,
 * not something to answer with an empty body.
 */
export function ownView<V>(view: V | undefined, what: string): V {
  if (view === undefined) throw new Error(`the ${what} the caller just changed is hidden from it`);
  return view;
}
