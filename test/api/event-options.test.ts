import { describe, expect, test } from 'vitest';
import { eventOptions, identifiedEventOptions, parseOptionValues, type OptionDefinitions } from '../../src/api/v0/event-options.js';
import { readIdList, readUpdatedSince } from '../../src/api/v0/search-filters.js';
import { ApiError } from '../../src/http/errors.js';

const definitions: OptionDefinitions = new Map([
  [3, { id: 3, name: 'Shirt Size', type: 'select', sortOrder: 2 }],
  [4, { id: 4, name: 'Species', type: 'text', sortOrder: 1 }],
  [5, { id: 5, name: 'Dietary Needs', type: 'multi', sortOrder: 3 }],
  [6, { id: 6, name: 'Nights', type: 'number', sortOrder: 3 }],
  [7, { id: 7, name: 'Business Phone Number', type: 'phone', sortOrder: 0 }],
  [8, { id: 8, name: 'Mailing Address', type: 'address', sortOrder: 9 }],
]);

describe('option answers', () => {
  test('well-formed answers are kept by definition id; anything else is left out', () => {
    const values = parseOptionValues(JSON.stringify({ 3: 'M', 4: 'Red Fox', 5: ['Vegan', 'Halal'], 6: 2, x: 'no', 9: { nested: true }, 10: [1, 2], 11: null, 12: true }));
    expect([...values.entries()]).toEqual([[3, 'M'], [4, 'Red Fox'], [5, ['Vegan', 'Halal']], [6, 2]]);
    for (const junk of ['', 'not json', '[]', 'null', '"text"', '42']) expect(parseOptionValues(junk).size).toBe(0);
  });

  test('options in the event\'s order (sort order, then id), unknown questions dropped', () => {
    const values = parseOptionValues(JSON.stringify({ 6: 2, 5: ['Vegan'], 3: 'M', 4: 'Otter', 99: 'orphan' }));
    expect(eventOptions(values, definitions)).toEqual([
      { name: 'Species', type: 'text', value: 'Otter' },
      { name: 'Shirt Size', type: 'select', value: 'M' },
      { name: 'Dietary Needs', type: 'multi', value: ['Vegan'] },
      { name: 'Nights', type: 'number', value: 2 },
    ]);
  });

  test('a dealer profile keeps phone and address; other forms show them as text', () => {
    const values = parseOptionValues(JSON.stringify({ 7: '+15555550123', 8: ['1 Main St', 'Springfield, IL 62701', 'US'] }));
    expect(identifiedEventOptions(values, definitions, 'profile')).toEqual([
      { id: '7', name: 'Business Phone Number', type: 'phone', value: '+15555550123' },
      { id: '8', name: 'Mailing Address', type: 'address', value: ['1 Main St', 'Springfield, IL 62701', 'US'] },
    ]);
    expect(identifiedEventOptions(values, definitions, 'application')).toEqual([
      { id: '7', name: 'Business Phone Number', type: 'text', value: '+15555550123' },
      { id: '8', name: 'Mailing Address', type: 'text', value: '1 Main St\nSpringfield, IL 62701\nUS' },
    ]);
    expect(eventOptions(values, definitions).map((o) => o.type)).toEqual(['text', 'text']);
  });
});

describe('search filters', () => {
  test('id lists: distinct numbers; absent or null means no filter', () => {
    expect(readIdList(['12', 12, '007', '3'])).toEqual([12, 7, 3]);
    expect(readIdList([])).toEqual([]);
    expect(readIdList(undefined)).toBeNull();
    expect(readIdList(null)).toBeNull();
  });

  test('updatedSince: the stored form of the instant; a bad one names the field', () => {
    expect(readUpdatedSince('2026-03-01T12:00:00+02:00', 'filter.updatedSince')).toBe('2026-03-01T10:00:00.000Z');
    expect(readUpdatedSince('2026-03-01', 'filter.updatedSince')).toBe('2026-03-01T00:00:00.000Z');
    expect(readUpdatedSince(null, 'filter.updatedSince')).toBeNull();
    for (const bad of ['2026-02-30', 'tomorrow', '2026-13-01T00:00:00Z']) {
      expect(() => readUpdatedSince(bad, 'filter.updatedSince')).toThrow(ApiError);
      try {
        readUpdatedSince(bad, 'filter.updatedSince');
      } catch (error) {
        expect(error).toMatchObject({ statusCode: 400, category: 'validation', detail: { fields: [{ field: 'filter.updatedSince' }] } });
      }
    }
  });
});
