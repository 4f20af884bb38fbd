/**
 * The `federation` section of a node config: the link up to a parent (if
 * any), the links of the children this node serves as a parent, and how
 * the link endpoints are served (on the console listener, or on a listener
 * of their own with mutual TLS).
 *
 *   federation:
 *     parent:
 *       url: https://[2001:db8::10]:8443
 *       linkId: js-jinling-motor
 *       secret: { file: ../secrets/js-jinling-motor.key }
 *       tier: provincial
 *       tls: { caFile: ../pki/link-ca.pem, certFile: ../pki/child.pem, keyFile: ../pki/child.key }
 *     children:
 *       - { linkId: js-jinling-motor, secret: { env: IISA_LINK_JS_JINLING }, orgs: [js-jinling-motor] }
 *       - linkId: js-yangtze-petro                  # mid-rotation: the new secret, and the old one still accepted
 *                                                   # (files are read again when they change: ./link-secrets.ts)
 *         secret: { file: ../secrets/js-yangtze-petro.key }
 *         previousSecrets: [{ file: ../secrets/js-yangtze-petro.old.key }]
 *         orgs: [js-yangtze-petro]
 *     listen: { host: '::', port: 8443 }
 *     tls: { certFile: ../pki/parent.pem, keyFile: ../pki/parent.key, caFile: ../pki/link-ca.pem }
 */
import { z } from 'zod';
import { ListenSchema } from '../../collector/sources/listen.js';
import { MIN_SECRET_LENGTH, isLinkId } from '../../core/federation/link-auth.js';

/** A link secret is never written in the config itself in production: a file or an environment variable. */
export const SecretSourceSchema = z.union([
  z.strictObject({ file: z.string().min(1).describe('file holding the secret (trailing newline ignored)') }),
  z.strictObject({ env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/).describe('environment variable holding the secret') }),
  z.strictObject({ value: z.string().min(MIN_SECRET_LENGTH).describe('the secret itself (demo and tests only)') }),
]);
export type SecretSource = z.output<typeof SecretSourceSchema>;

/** Previous secrets a child link may keep during a rotation: each costs an HMAC on every refused request. */
export const MAX_PREVIOUS_SECRETS = 3;

const LinkId = z.string().refine(isLinkId, 'letters, digits and . _ : - (at most 128)');

export const FederationSectionSchema = z.strictObject({
  parent: z.strictObject({
    url: z.url({ protocol: /^https?$/ }).describe("the parent's console (or federation listener) base URL"),
    linkId: LinkId.describe('the id the parent knows this link by'),
    secret: SecretSourceSchema,
    tier: z.enum(['provincial', 'national']).describe("the parent's tier: alerts go up when their grade escalates to it"),
    tls: z.strictObject({ caFile: z.string(), certFile: z.string().optional(), keyFile: z.string().optional() }).optional()
      .describe('mutual TLS towards the parent: its CA, and this node\'s client certificate'),
    idleMs: z.number().int().positive().default(2000).describe('pause between rounds when there was nothing to send or fetch'),
    batchSize: z.number().int().min(1).max(500).default(100).describe('items per uplink request and per downlink page'),
    backoff: z.strictObject({
      initialMs: z.number().int().positive().default(1000),
      maxMs: z.number().int().positive().default(60_000),
    }).default({ initialMs: 1000, maxMs: 60_000 }).describe('retry pauses while the parent cannot be reached'),
  }).optional().describe('absent on the national node'),
  children: z.array(z.strictObject({
    linkId: LinkId,
    secret: SecretSourceSchema.describe('the current secret: answers to the child are signed with the secret its request was signed with'),
    previousSecrets: z.array(SecretSourceSchema).max(MAX_PREVIOUS_SECRETS).default([])
      .describe('secrets still accepted during a rotation, until the child signs with the current one; then remove them'),
    orgs: z.array(z.string().min(1)).min(1).describe('orgs the child speaks for; a provincial regulator stands for the enterprises it oversees'),
  })).default([]),
  listen: ListenSchema.optional().describe('serve the link endpoints on a listener of their own (needed for tls)'),
  tls: z.strictObject({ certFile: z.string(), keyFile: z.string(), caFile: z.string() }).optional()
    .describe('mutual TLS on the own listener: only children with a certificate from caFile connect'),
}).superRefine((f, ctx) => {
  if (f.tls && !f.listen) ctx.addIssue({ code: 'custom', path: ['tls'], message: 'tls needs listen: the link endpoints get a listener of their own' });
  const seen = new Set<string>();
  f.children.forEach((c, i) => {
    if (seen.has(c.linkId)) ctx.addIssue({ code: 'custom', path: ['children', i, 'linkId'], message: `duplicate linkId ${c.linkId}` });
    seen.add(c.linkId);
  });
});
export type FederationSection = z.output<typeof FederationSectionSchema>;

/**
 * The secret a source in the config or the environment names; throws naming
 * the source when it is missing or too short. Secrets in files are read by
 * ./link-secrets.ts, which reads them again when they change.
 */
export function readSecret(source: Exclude<SecretSource, { file: string }>, env: NodeJS.ProcessEnv = process.env): string {
  const [secret, where] = 'value' in source ? [source.value, 'the config'] : [env[source.env], `environment variable ${source.env}`];
  if (!secret || secret.length < MIN_SECRET_LENGTH) throw new Error(`link secret from ${where}: needs at least ${MIN_SECRET_LENGTH} characters`);
  return secret;
}
