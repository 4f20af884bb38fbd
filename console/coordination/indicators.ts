/**
 * Indicators of an advisory as Sigma rules: what makes "indicators become
 * live detections on every node that receives it". One rule per kind of
 * indicator, on the `iisa/indicators` logsource (every event of every org,
 * detector/sigma/mapping/ecs.yaml), written with the yaml library so no
 * indicator text can change the rule's structure. Sigma rules an advisory
 * carries are installed as they are.
 */
import { stringify } from 'yaml';
import type { Grade } from '../../core/alert.js';
import { stableId } from '../../core/ids.js';
import { canonicalIp, ipFamily } from '../../core/ip.js';
import type { Advisory, Indicators } from '../../core/federation/messages.js';

/** Sigma level an advisory's grade asks for; grading then weighs the enterprise and asset as for any rule. */
const LEVEL_OF_GRADE: Record<Grade, string> = { I: 'critical', II: 'high', III: 'medium', IV: 'low' };

/** A problem with one indicator, for the issuer (the API answers 400 with these). */
export class IndicatorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IndicatorError';
  }
}

/** `10.0.0.1` -> `10.0.0.1/32`, `2001:db8::/32` kept; anything else is refused. */
export function indicatorCidr(value: string): string {
  const [address, bits, extra] = value.trim().split('/');
  const ip = canonicalIp(address ?? '');
  if (!ip || extra !== undefined) throw new IndicatorError(`indicator ${JSON.stringify(value)} is not an IPv4/IPv6 address or CIDR range`);
  const max = ipFamily(ip) === 4 ? 32 : 128;
  if (bits === undefined) return `${ip}/${max}`;
  const n = Number(bits);
  if (!/^\d{1,3}$/.test(bits) || n > max) throw new IndicatorError(`indicator ${JSON.stringify(value)}: prefix length must be 0..${max}`);
  return `${ip}/${n}`;
}

function hashField(hash: string): string {
  switch (hash.length) {
    case 32: return 'md5';
    case 40: return 'sha1';
    case 64: return 'sha256';
    case 128: return 'sha512';
    default: throw new IndicatorError(`hash ${hash} is neither MD5, SHA-1, SHA-256 nor SHA-512 (length ${hash.length})`);
  }
}

/** Sigma wildcard text for a literal, with `*`, `?` and `\` escaped (identifiers may contain them). */
function literal(text: string): string {
  return text.replace(/[\\*?]/g, (c) => `\\${c}`);
}

interface RuleParts {
  readonly kind: string;
  readonly detection: Record<string, unknown>;
}

function ruleParts(indicators: Indicators): RuleParts[] {
  const parts: RuleParts[] = [];
  if (indicators.ips.length) {
    const cidrs = indicators.ips.map(indicatorCidr);
    parts.push({ kind: 'ip', detection: {
      source: { 'source.ip|cidr': cidrs },
      destination: { 'destination.ip|cidr': cidrs },
      condition: 'source or destination',
    } });
  }
  if (indicators.identifiers.length) {
    // `88.101.5/*` names every identifier under a prefix; anything else is one identifier.
    const values = indicators.identifiers.map((id) => (id.endsWith('/*') ? `${literal(id.slice(0, -1))}*` : literal(id)));
    parts.push({ kind: 'identifier', detection: { selection: { 'idres.identifier': values }, condition: 'selection' } });
  }
  if (indicators.domains.length) {
    const names = indicators.domains.map((d) => literal(d.toLowerCase().replace(/\.$/, '')));
    const sub = names.map((n) => `*.${n}`);
    parts.push({ kind: 'domain', detection: {
      dns: { 'dns.question.name': [...names, ...sub] },
      url: { 'url.domain': [...names, ...sub] },
      condition: 'dns or url',
    } });
  }
  if (indicators.hashes.length) {
    const byField = new Map<string, string[]>();
    for (const h of indicators.hashes) {
      const field = hashField(h);
      byField.set(field, [...(byField.get(field) ?? []), h.toLowerCase()]);
    }
    const detection: Record<string, unknown> = {};
    for (const [field, values] of byField) {
      detection[`file_${field}`] = { [`file.hash.${field}`]: values };
      detection[`process_${field}`] = { [`process.hash.${field}`]: values };
    }
    detection.condition = '1 of file_* or 1 of process_*';
    parts.push({ kind: 'hash', detection });
  }
  return parts;
}

export interface IndicatorRule {
  /** Stable per advisory and kind, so receiving an advisory twice installs the same rules. */
  readonly name: string;
  readonly text: string;
}

/** The Sigma rules an advisory installs: one per indicator kind, then the advisory's own Sigma rules. */
export function advisoryRules(advisory: Advisory): IndicatorRule[] {
  const rules: IndicatorRule[] = ruleParts(advisory.indicators).map((part) => ({
    name: `advisory:${advisory.id}:${part.kind}`,
    text: stringify({
      title: `Advisory indicator (${part.kind}): ${advisory.title}`.slice(0, 256),
      id: stableId('advisory-rule', advisory.id, part.kind),
      status: 'stable',
      description: `Installed from advisory ${advisory.id} issued by ${advisory.issuer} on ${advisory.issuedAt}.`,
      references: [`iisa:advisory/${advisory.id}`],
      tags: ['iisa.advisory'],
      logsource: { product: 'iisa', service: 'indicators' },
      detection: part.detection,
      level: LEVEL_OF_GRADE[advisory.grade],
    }),
  }));
  advisory.indicators.sigma.forEach((text, i) => rules.push({ name: `advisory:${advisory.id}:sigma-${i}`, text }));
  return rules;
}
