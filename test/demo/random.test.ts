import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/demo/random.js';

const draw = (random: SeededRandom, count: number): number[] => Array.from({ length: count }, () => random.next());

describe('SeededRandom', () => {
  it('repeats its sequence for the same seed and differs for another', () => {
    expect(draw(new SeededRandom('a'), 20)).toEqual(draw(new SeededRandom('a'), 20));
    expect(draw(new SeededRandom('a'), 20)).not.toEqual(draw(new SeededRandom('b'), 20));
  });

  it('draws integers within both bounds, reaching each', () => {
    const random = new SeededRandom('ints');
    const seen = new Set(Array.from({ length: 500 }, () => random.int(3, 6)));
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
  });

  it('never chooses a weightless value', () => {
    const random = new SeededRandom('weights');
    const chosen = new Set(
      Array.from({ length: 500 }, () =>
        random.weighted([
          ['never', 0],
          ['yes', 1],
          ['also', 3],
        ] as const),
      ),
    );
    expect([...chosen].sort()).toEqual(['also', 'yes']);
  });

  it('samples distinct items, at most as many as there are', () => {
    const random = new SeededRandom('sample');
    const sample = random.sample(['a', 'b', 'c', 'd'], 3);
    expect(new Set(sample).size).toBe(3);
    expect(random.sample(['a', 'b'], 5).sort()).toEqual(['a', 'b']);
  });

  it('makes version 4 UUIDs', () => {
    expect(new SeededRandom('uuid').uuid()).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
