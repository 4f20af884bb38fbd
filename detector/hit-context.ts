/**
 * What a rule hit carries besides the rule: the org's registered assets the
 * events involve, and (for detection hits) the entity the event is about.
 * Grading weighs the most critical asset; alert deduplication groups hits
 * of one rule by entity, so a scan of ten PLCs from one host is one alert
 * per PLC pair rather than one per packet, and two attackers are two alerts.
 */
import { getField, type EcsEvent } from '../core/event.js';
import type { OrgRegistry } from '../core/orgs.js';

/** Fields whose IPs name assets: who talked, to whom, and who reported it. */
const ASSET_IP_FIELDS = ['source.ip', 'destination.ip', 'host.ip', 'observer.ip'] as const;

/**
 * The entity of a detection hit. Deliberately coarse and present in every
 * format we parse: endpoints, the account and the identifier prefix. A
 * field the event lacks is left out, not set to null, so the key is the
 * same whichever parser produced the event.
 */
export const ENTITY_FIELDS = ['source.ip', 'destination.ip', 'user.name', 'host.name', 'idres.prefix'] as const;

function ipsOf(event: EcsEvent): string[] {
  const ips: string[] = [];
  for (const field of ASSET_IP_FIELDS) {
    const v = getField(event, field);
    if (typeof v === 'string') ips.push(v);
    else if (Array.isArray(v)) for (const el of v) if (typeof el === 'string') ips.push(el);
  }
  return ips;
}

/** Asset ids (sorted, unique) of `orgId` that any of the events involves by IP. */
export function involvedAssets(registry: OrgRegistry, orgId: string, events: readonly EcsEvent[]): string[] {
  const ids = new Set<string>();
  for (const event of events) {
    for (const ip of ipsOf(event)) {
      const asset = registry.assetByIp(orgId, ip);
      if (asset) ids.add(asset.id);
    }
  }
  return [...ids].sort();
}

/** The entity fields the event has, by dotted path. */
export function entityOf(event: EcsEvent): Record<string, string | number> {
  const entity: Record<string, string | number> = {};
  for (const field of ENTITY_FIELDS) {
    const v = getField(event, field);
    if (typeof v === 'string' || typeof v === 'number') entity[field] = v;
  }
  return entity;
}
