/** The one stylesheet every page shares. Kept in a module so the compiled build carries it. */
export const STYLESHEET = `:root { color-scheme: light dark; --accent: #5b3cc4; --danger: #b3261e; --muted: #666; font-family: system-ui, sans-serif; line-height: 1.5; }
body { margin: 0; }
header.site { padding: .75rem 1rem; border-bottom: 1px solid #8884; display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center; }
header.site nav { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; }
header.site nav form { display: inline; }
header.site nav button { margin: 0; padding: .25rem .75rem; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: .5rem; background: #fff; padding: .25rem .5rem; }
.notice { padding: .5rem .75rem; border-left: 4px solid var(--accent); background: #8881; }
.secret { font-family: ui-monospace, monospace; word-break: break-all; padding: .5rem; border: 2px dashed var(--accent); }
.field-error { color: var(--danger); font-size: .9em; }
.hint { color: var(--muted); font-size: .9em; }
.status { display: inline-block; padding: 0 .5rem; border-radius: 1rem; background: #8882; font-size: .85em; }
header.site .brand { font-weight: 700; text-decoration: none; color: var(--accent); }
main { max-width: 48rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; }
a { color: var(--accent); }
a:focus, button:focus, input:focus, select:focus, textarea:focus { outline: 3px solid var(--accent); outline-offset: 2px; }
code, pre { font-family: ui-monospace, monospace; font-size: .9em; }
pre { overflow-x: auto; padding: .75rem; background: #8881; border-radius: 4px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #8884; }
label { display: block; margin-top: .75rem; font-weight: 600; }
input, select, textarea { font: inherit; padding: .4rem; width: 100%; box-sizing: border-box; }
button { font: inherit; padding: .5rem 1rem; margin-top: 1rem; background: var(--accent); color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
button.danger { background: var(--danger); }
fieldset { margin: 1rem 0 0; padding: .25rem .75rem .75rem; border: 1px solid #8884; border-radius: 4px; }
legend { font-weight: 600; padding: 0 .25rem; }
label.choice { display: flex; gap: .5rem; align-items: baseline; font-weight: 400; margin-top: .5rem; }
label.choice input { width: auto; flex: none; }
.pre-line { white-space: pre-line; }
.table-scroll { overflow-x: auto; }
form.inline { display: inline-block; margin: 0 .5rem .25rem 0; }
form.inline button { margin-top: .25rem; }
.pager { display: flex; gap: 1rem; margin-top: 1rem; }
pre.mail-text, code.wrap { white-space: pre-wrap; overflow-wrap: anywhere; }
nav.toc ul { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; padding: 0; }
dt { font-weight: 600; }
dd { margin: 0 0 .5rem; }
.error { color: var(--danger); }
.danger-text { color: var(--danger); font-weight: 600; }
.muted { color: var(--muted); }
main:has(figure.chart) { max-width: 72rem; }
figure.chart { margin: 1.5rem 0; }
figure.chart figcaption { font-weight: 600; margin-bottom: .5rem; }
.chart-body { display: grid; gap: .75rem; grid-template-columns: minmax(0, 1fr); }
.chart-svg { width: 100%; height: auto; }
.chart-numbers { max-height: 16rem; overflow: auto; border: 1px solid #8884; border-radius: 4px; }
.chart-numbers th, .chart-numbers td { white-space: nowrap; }
.chart-numbers thead th { position: sticky; top: 0; background: Canvas; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
dl.usage-summary { display: grid; grid-template-columns: repeat(auto-fill, minmax(10rem, 1fr)); gap: .5rem 1rem; }
dl.usage-summary dd { font-size: 1.25em; }
@media (min-width: 56rem) { .chart-body { grid-template-columns: minmax(0, 3fr) minmax(14rem, 2fr); } }
@media (max-width: 32rem) { main { padding: .5rem; } th, td { padding: .25rem; } }
`;
