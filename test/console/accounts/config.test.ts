/**
 * The accounts keys of the console section: defaults, bounds, no unknown keys.
 */
import { expect } from 'chai';
import { AccountsConfigSchema } from '../../../console/accounts/config.js';

describe('accounts config', () => {
  it('defaults to 30 idle minutes, 12 hours in all, live views checked every 15 s, and 5 failures per 15 minutes', () => {
    expect(AccountsConfigSchema.parse({})).to.deep.equal({ sessions: { idleMinutes: 30, absoluteHours: 12, liveCheckSeconds: 15 }, loginLimit: { failures: 5, windowMinutes: 15 } });
    expect(AccountsConfigSchema.parse({ sessions: { idleMinutes: 10 } }).sessions).to.deep.equal({ idleMinutes: 10, absoluteHours: 12, liveCheckSeconds: 15 });
    expect(AccountsConfigSchema.safeParse({ sessions: { liveCheckSeconds: 0 } }).success, 'a check at least every second').to.equal(false);
  });

  it('refuses unknown keys and values out of bounds, naming them', () => {
    const bad = AccountsConfigSchema.safeParse({ sessions: { idleMinutes: 0, forever: true }, loginLimit: { failures: 'many' } });
    expect(bad.success).to.equal(false);
    const paths = bad.error!.issues.map((i) => i.path.join('.'));
    expect(paths).to.include.members(['sessions.idleMinutes', 'sessions', 'loginLimit.failures']);
  });
});
