/**
 * The value axis of a chart: a round maximum at or above the largest value, split in a few
 * round steps (1, 2, 2.5 or 5 times a power of ten), so the gridlines read as plain numbers.
 */
export interface ValueScale {
  max: number;
  ticks: number[];
}

const STEPS = [1, 2, 2.5, 5, 10];

export function valueScale(largest: number, options: { integer?: boolean } = {}, tickCount = 4): ValueScale {
  if (!(largest > 0)) return { max: 1, ticks: [0, 1] };
  const rough = largest / tickCount;
  const power = 10 ** Math.floor(Math.log10(rough));
  const round = (STEPS.find((s) => s * power >= rough) ?? 10) * power;
  // Counts step by whole numbers: 1 at least, and 2 rather than 2.5.
  const step = options.integer === true ? Math.max(1, Math.floor(round)) : round;
  const max = step * Math.ceil(largest / step - 1e-9);
  const ticks: number[] = [];
  for (let i = 0; i * step <= max + step / 1000; i += 1) ticks.push(Number((i * step).toPrecision(12)));
  return { max, ticks };
}

/** A number for axis labels and tables: thousands separated, at most two decimals. */
export function formatNumber(value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: value < 10 ? 2 : value < 100 ? 1 : 0 });
}
