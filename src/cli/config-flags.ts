import { SETTINGS, resolveConfig, settingsFromEnv, type Config, type RawSettings } from '../config.js';
import type { CommandIo, OptionSpecs, ParsedValues } from './command.js';

/** The configuration settings as CLI flags, shared by every command. */
export const configOptions: OptionSpecs = Object.fromEntries(
  SETTINGS.map((spec) => [spec.flag, { type: spec.boolean === true ? 'boolean' : 'string' } as const]),
);

export function configHelp(): string {
  const rows = SETTINGS.map((s) => `  --${s.flag.padEnd(18)} ${s.env.padEnd(24)} ${s.doc} (default: ${s.defaultText})`);
  return `Configuration (flag, environment variable; flags win):\n${rows.join('\n')}`;
}

/** Environment first, then flags on top; throws ConfigError with a one-line reason. */
export function configFrom(values: ParsedValues, io: CommandIo): Config {
  const raw: RawSettings = settingsFromEnv(io.env);
  for (const spec of SETTINGS) {
    const value = values[spec.flag];
    if (typeof value === 'string' || typeof value === 'boolean') raw[spec.key] = value;
  }
  return resolveConfig(raw, io.cwd);
}
