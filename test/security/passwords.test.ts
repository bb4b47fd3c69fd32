import { describe, expect, it } from 'vitest';
import { generatePassword, hashPassword, verifyPassword } from '../../src/security/passwords.js';

describe('passwords', () => {
  it('hash with argon2id at the pinned cost, salted afresh each time', async () => {
    const first = await hashPassword('correct horse battery staple');
    const second = await hashPassword('correct horse battery staple');
    expect(first).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(second).not.toBe(first);
  });

  it('verify the right password and reject a wrong one', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(await verifyPassword(stored, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(stored, 'correct horse battery stapler')).toBe(false);
    expect(await verifyPassword(stored, '')).toBe(false);
  });

  it('treat a stored value that is not an argon2 hash as matching nothing', async () => {
    expect(await verifyPassword('', 'anything')).toBe(false);
    expect(await verifyPassword('plaintext-password', 'plaintext-password')).toBe(false);
  });

  it('generate long, URL-safe, distinct passwords', () => {
    const passwords = new Set(Array.from({ length: 50 }, generatePassword));
    expect(passwords.size).toBe(50);
    for (const password of passwords) expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
  });
});
