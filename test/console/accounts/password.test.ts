/**
 * Password hashes: scrypt in PHC format with a per-hash salt, verified in
 * constant time with the parameters stored in the hash.
 */
import { expect } from 'chai';
import { DefaultScryptParams, hashPassword, needsRehash, parsePasswordHash, PasswordHashSchema, verifyPassword } from '../../../console/accounts/password.js';

describe('password hashing', () => {
  describe('hashPassword', () => {
    it('writes scrypt with its parameters, a 16-byte salt and a 32-byte key', async () => {
      const hash = await hashPassword('correct horse battery staple');
      expect(hash).to.match(/^\$scrypt\$ln=15,r=8,p=3\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
      const parsed = parsePasswordHash(hash)!;
      expect(parsed.params).to.deep.equal(DefaultScryptParams);
      expect(parsed.salt).to.have.length(16);
      expect(parsed.key).to.have.length(32);
    });

    it('gives two users with the same password different hashes', async () => {
      const [a, b] = await Promise.all([hashPassword('same password here'), hashPassword('same password here')]);
      expect(a).to.not.equal(b);
      expect(parsePasswordHash(a)!.salt.equals(parsePasswordHash(b)!.salt)).to.equal(false);
      expect(await verifyPassword('same password here', a)).to.equal(true);
      expect(await verifyPassword('same password here', b)).to.equal(true);
    });
  });

  describe('verifyPassword', () => {
    it('accepts the password and refuses any other', async () => {
      const hash = await hashPassword('demo-enterprise-password');
      expect(await verifyPassword('demo-enterprise-password', hash)).to.equal(true);
      for (const wrong of ['demo-enterprise-passworD', 'demo-enterprise-password ', '', 'demo-national-password']) {
        expect(await verifyPassword(wrong, hash), JSON.stringify(wrong)).to.equal(false);
      }
    });

    it('verifies with the parameters stored in the hash, so hashes made before a cost change keep working', async () => {
      const cheap = await hashPassword('an older password', { ln: 10, r: 8, p: 1 });
      expect(cheap).to.match(/^\$scrypt\$ln=10,r=8,p=1\$/);
      expect(await verifyPassword('an older password', cheap)).to.equal(true);
      expect(needsRehash(cheap)).to.equal(true);
      expect(needsRehash(await hashPassword('a current password'))).to.equal(false);
    });

    it('refuses malformed hashes and parameters beyond the bounds instead of spending minutes on them', async () => {
      const good = await hashPassword('whatever password', { ln: 10, r: 8, p: 1 });
      const [, , , salt, key] = good.split('$');
      for (const bad of ['', 'plain-text', `$scrypt$ln=25,r=8,p=1$${salt}$${key}`, `$scrypt$ln=15,r=64,p=1$${salt}$${key}`,
        `$argon2id$ln=15,r=8,p=1$${salt}$${key}`, `$scrypt$ln=15,r=8,p=1$${salt}`]) {
        expect(parsePasswordHash(bad), bad).to.equal(undefined);
        expect(PasswordHashSchema.safeParse(bad).success, bad).to.equal(false);
        expect(await verifyPassword('whatever password', bad)).to.equal(false);
      }
    });
  });
});
