import { describe, expect, it } from 'vitest';
import { resolveConfig, settingsFromEnv } from '../../src/config.js';

describe('usage flush interval setting', () => {
  it('defaults to 30 seconds and reads the flag or CONCAT_USAGE_FLUSH_INTERVAL', () => {
    expect(resolveConfig({}).usageFlushInterval).toBe(30);
    expect(resolveConfig({ usageFlushInterval: '5' }).usageFlushInterval).toBe(5);
    expect(resolveConfig(settingsFromEnv({ CONCAT_USAGE_FLUSH_INTERVAL: '120' })).usageFlushInterval).toBe(120);
  });

  it('refuses values outside 1 to 3600 seconds with a one-line reason', () => {
    expect(() => resolveConfig({ usageFlushInterval: '0' })).toThrow('usage-flush-interval must be between 1 and 3600, got 0');
    expect(() => resolveConfig({ usageFlushInterval: '3601' })).toThrow('usage-flush-interval must be between 1 and 3600, got 3601');
    expect(() => resolveConfig({ usageFlushInterval: '1.5' })).toThrow('usage-flush-interval must be a whole number, got "1.5"');
  });
});
