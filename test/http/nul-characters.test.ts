import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fieldWithNul } from '../../src/http/nul-characters.js';
import { startEventDataWorld, type EventDataWorld } from '../api/event-data-world.js';
import { WebClient } from '../support/web-client.js';

describe('NUL characters (U+0000) in input', () => {
  it('are found in values and keys, however deep, with the field path', () => {
    expect(fieldWithNul({ filter: { email: 'a@b', userIds: ['1', '2'] } })).toBeNull();
    expect(fieldWithNul({ filter: { userIds: ['1', 'x\u0000'] } })).toBe('filter.userIds.1');
    expect(fieldWithNul({ 'bad\u0000key': 1 })).toBe('');
    expect(fieldWithNul('\u0000')).toBe('');
    let deep: unknown = 'end\u0000';
    for (let i = 0; i < 100_000; i += 1) deep = [deep];
    expect(fieldWithNul(deep)).toBe(Array.from({ length: 100_000 }, () => '0').join('.'));
  });

  describe('through HTTP', () => {
    let w: EventDataWorld;
    beforeAll(async () => {
      w = await startEventDataWorld(3);
    });
    afterAll(async () => {
      await w.t.stop();
    });

    // Regression: on PostgreSQL a NUL in a search filter made the query fail with a 500.
    it('the API answers 400 naming the field, in a body or a query string', async () => {
      const token = await w.token();
      const search = await w.api.post('/api/v0/users/search', { filter: { email: 'a\u0000b@example.org' } }, token);
      expect(search.status, search.body).toBe(400);
      expect(search.json()).toEqual({ errors: { validation: { message: 'filter.email must not contain a NUL character (U+0000)', fields: [{ field: 'filter.email', message: 'must not contain a NUL character (U+0000)' }] } } });
      const roles = await w.api.get('/api/v0/roles?limit=5%00', token);
      expect(roles.status, roles.body).toBe(400);
    });

    it('a page form answers 400 (here: the sign-in form of an instance)', async () => {
      const client = new WebClient(w.t.baseUrl);
      await client.get('/o/furfest/login');
      const response = await client.post('/o/furfest/login', { username: 'x\u0000', password: 'whatever' });
      expect(response.status).toBe(400);
    });
  });
});
