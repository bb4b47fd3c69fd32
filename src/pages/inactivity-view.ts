import type { InactivityOutlook } from '../platform/revocation-sweep.js';
import { day, time } from './components.js';
import { html, type SafeHtml } from './html.js';

/**
 * An approved app's standing against the inactivity rule, for the developer (portal) and the
 * operators (console): when it was last used, where, and the date it is revoked if unused.
 */
export function inactivitySection(outlook: InactivityOutlook | undefined, settings: { inactivityDays: number; inactivityWarningDays: readonly number[] }, reader: 'developer' | 'operator'): SafeHtml {
  if (outlook === undefined) return html``;
  const warned = settings.inactivityWarningDays.length === 0 ? '' : ` ${reader === 'developer' ? 'You are' : 'Its developer is'} warned by email ${settings.inactivityWarningDays.join(' and ')} days before.`;
  const perInstance =
    outlook.instances.length < 2 ? html`` : html`<ul>${outlook.instances.map((instance) => html`<li>${instance.instanceName}: ${time(instance.lastActiveAt)}</li>`)}</ul>`;
  return html`<section aria-labelledby="activity"><h2 id="activity">Activity</h2>
<dl>
<dt>Last activity</dt><dd>${outlook.lastActiveAt === null ? 'Never used' : time(outlook.lastActiveAt)}${outlook.instances.length === 1 ? html` (${outlook.instances[0]?.instanceName ?? ''})` : ''}${perInstance}</dd>
<dt>Revoked if unused on</dt><dd>${day(outlook.revokeOn)}</dd>
</dl>
<p class="muted">Apps with no activity (a token issued, an API call, or a webhook answered with success) for ${settings.inactivityDays} days are revoked.${warned}</p>
</section>`;
}
