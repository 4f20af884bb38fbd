/**
 * The accounts keys of a node config's `console` section:
 *
 *   console:
 *     listen: { host: '::', port: 8080 }
 *     apiTokens: ../seeds/demo/api-tokens.yaml
 *     accounts: ../seeds/demo/accounts.yaml     # users created at start unless they exist
 *     sessions: { idleMinutes: 30, absoluteHours: 12, liveCheckSeconds: 15 }
 *     loginLimit: { failures: 5, windowMinutes: 15 }
 *
 * Spread `AccountsConfigFields` into the console section's schema.
 */
import { z } from 'zod';

export const SessionsConfigSchema = z.strictObject({
  idleMinutes: z.number().int().min(1).max(24 * 60).default(30).describe('a session unused this long ends'),
  absoluteHours: z.number().min(0.1).max(30 * 24).default(12).describe('a session ends this long after login, used or not'),
  liveCheckSeconds: z.number().int().min(1).max(3600).default(15)
    .describe('how often live views opened with a session are checked against it: a view whose session ended (logout, expiry, ended by an admin, on any console process) is closed'),
});

export const LoginLimitConfigSchema = z.strictObject({
  failures: z.number().int().min(1).max(1000).default(5).describe('failed logins per user name or client address (IPv6: per /64) that lock it'),
  windowMinutes: z.number().int().min(1).max(24 * 60).default(15).describe('how long a failure counts'),
});

export const AccountsConfigFields = {
  accounts: z.string().optional().describe('path of the user list (YAML) created at start; users already in the store are left as they are'),
  sessions: SessionsConfigSchema.prefault({}).describe('login session lifetimes'),
  loginLimit: LoginLimitConfigSchema.prefault({}).describe('login rate limiting'),
};

export const AccountsConfigSchema = z.strictObject(AccountsConfigFields);
export type AccountsConfig = z.output<typeof AccountsConfigSchema>;
