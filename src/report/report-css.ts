// The report page's stylesheet, inlined into every page: system fonts only, colours kept when printed.

const WAIT_COLOURS: Readonly<Record<string, string>> = {
  'safe-to-proceed': '#9aa5b1',
  drain: '#9b6bd3',
  'node-leave': '#e8833a',
  'node-join': '#3b82c4',
  yellow: '#e0b400',
  green: '#3a9d5d',
};

const waitRules = Object.entries(WAIT_COLOURS)
  .map(([kind, colour]) => `.wait-${kind}{background:${colour}}`)
  .join('\n');

export const REPORT_CSS = `
:root{color-scheme:light;--ink:#1f2933;--muted:#616e7c;--line:#d9dee3;--bg:#fff;--soft:#f4f6f8;
--green:#2f9e44;--yellow:#e0b400;--red:#d64545;--blue:#3b82c4;--orange:#e8833a}
*{box-sizing:border-box}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{margin:0 auto;max-width:1400px;padding:16px 24px;color:var(--ink);background:var(--bg);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
h1{font-size:22px;margin:0 0 8px}
h2{font-size:17px;margin:0 0 8px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:14px;margin:12px 0 4px}
section{margin:22px 0;break-inside:auto}
.summary{padding:12px 16px;border:1px solid var(--line);border-left:6px solid var(--muted);border-radius:4px;background:var(--soft)}
.summary.outcome-completed,.summary.outcome-nothing-to-do{border-left-color:var(--green)}
.summary.outcome-planned,.summary.outcome-running{border-left-color:var(--blue)}
.summary.outcome-halted,.summary.outcome-refused,.summary.outcome-failed{border-left-color:var(--red)}
.summary.outcome-interrupted{border-left-color:var(--orange)}
.message{font-size:15px;margin:4px 0 10px;overflow-wrap:anywhere}
.alert{color:#8a1c1c;background:#fdecec;border:1px solid #f5b5b5;border-radius:4px;padding:6px 10px}
.facts{display:flex;flex-wrap:wrap;gap:6px 24px;margin:0}
.facts div{min-width:120px}
dt{font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
dd{margin:0;font-weight:600}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;background:#e4e7eb;color:var(--ink);white-space:nowrap}
h1 .badge{font-size:16px;vertical-align:2px}
.badge-completed,.badge-replaced,.badge-nothing-to-do{background:#d3f0dc;color:#1c6b33}
.badge-planned,.badge-running,.badge-in-progress{background:#dbe9f7;color:#1d4f80}
.badge-halted,.badge-refused,.badge-failed{background:#fbd9d9;color:#8a1c1c}
.badge-interrupted{background:#fde6d2;color:#8a4b12}
.health-dot{display:inline-block;width:12px;height:12px;border-radius:50%;margin-left:10px;vertical-align:1px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;vertical-align:top;padding:5px 8px;border-bottom:1px solid var(--line)}
th{font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:600}
td{overflow-wrap:anywhere}
tr{break-inside:avoid}
.id{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
.none,.empty{color:var(--muted)}
.nodes td.index,.nodes td.batch,.nodes td.duration,.nodes td.started{white-space:nowrap}
.nodes .timeline,.nodes .timeline-head{width:42%;min-width:260px}
tr.outcome-halted td,tr.outcome-interrupted td{background:#fff5f5}
.axis-ticks{position:relative;height:14px;margin-top:4px;font-weight:400;text-transform:none;letter-spacing:0}
.axis-ticks .tick{position:absolute;transform:translateX(-50%);white-space:nowrap}
.axis-ticks .tick:first-child{transform:none}
.axis-ticks .tick-end{transform:translateX(-100%)}
.track{position:relative;height:18px;background:var(--soft);border-radius:3px}
.track .span{position:absolute;top:6px;height:6px;border-radius:3px;background:#c5ccd3}
.track .seg{position:absolute;top:2px;height:14px;min-width:2px;border-radius:2px;opacity:.9}
.track .seg-timed-out,.swatch.seg-timed-out{outline:2px solid var(--red);background-image:repeating-linear-gradient(45deg,transparent 0 3px,rgba(214,69,69,.55) 3px 6px)}
.track .seg-waiting{opacity:.55}
.track .seg-interrupted{opacity:.5}
.track .terminate,.swatch.terminate{position:absolute;top:0;width:2px;height:18px;background:#111}
.waits{font-size:11px;color:var(--muted);margin-top:2px}
${waitRules}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;list-style:none;padding:0;margin:8px 0 0;font-size:12px;color:var(--muted)}
.legend .swatch{display:inline-block;position:static;width:14px;height:10px;margin-right:5px;border-radius:2px;vertical-align:-1px}
.health-chart{width:100%;height:auto;display:block;font-size:11px}
.health-chart .frame{fill:none;stroke:var(--line)}
.health-chart .axis{fill:var(--muted);font-size:11px}
.health-chart .panel-title{fill:var(--muted);font-size:11px;font-weight:600}
.health-chart .tick{stroke:var(--muted)}
.health-chart .marker{stroke:#9aa5b1;stroke-dasharray:3 3}
.health-chart .line{fill:none;stroke-width:2}
.status-green{fill:var(--green);background:var(--green)}
.status-yellow{fill:var(--yellow);background:var(--yellow)}
.status-red{fill:var(--red);background:var(--red)}
.status-unknown{fill:#9aa5b1;background:#9aa5b1}
.line-nodes{stroke:#1f2933;background:#1f2933}
.line-dataNodes{stroke:#7b8794;background:#7b8794}
.line-unassigned{stroke:var(--red);background:var(--red)}
.line-initializing{stroke:var(--orange);background:var(--orange)}
.line-relocating{stroke:var(--blue);background:var(--blue)}
.swatch.marker{height:0;border-top:2px dashed #9aa5b1;background:none}
details{margin-top:10px}
summary{cursor:pointer;color:var(--muted)}
ol.ids{columns:3 220px;margin:0;padding-left:28px}
footer{margin-top:28px;font-size:11px;color:var(--muted)}
@page{size:A4 landscape;margin:12mm}
@media print{body{padding:0;max-width:none;font-size:11px}section{margin:14px 0}.nodes .timeline{min-width:0}summary{display:none}}
`;
