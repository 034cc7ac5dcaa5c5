/** The status page's one stylesheet (inline: the CSP allows no other). */
export const STYLE = `
:root{--bg:#0a0f1a;--panel:#111827;--panel-2:#0d1424;--border:#1f2a3c;--text:#e6ebf2;--muted:#8d9bb0;
--ok:#22c55e;--warn:#f5a524;--bad:#f04444;--off:#6b7a90;--accent:#60a5fa;--writer:#e9d5ff;
--sea:#0c1628;--land:#1d2c47;--land-edge:#34507e}
*{box-sizing:border-box}
html,body{margin:0;background:var(--bg);color:var(--text)}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue","Liberation Sans","DejaVu Sans",Arial,sans-serif}
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono","DejaVu Sans Mono",monospace;font-size:.92em}
.muted{color:var(--muted)}
.small{font-size:12px}
.page{max-width:1280px;margin:0 auto;padding:18px 24px 24px}
.top{display:flex;align-items:center;justify-content:space-between;gap:24px;margin-bottom:16px}
.brand{display:flex;align-items:center;gap:12px;flex-shrink:0;white-space:nowrap}
.logo{width:34px;height:34px}
h1{font-size:20px;margin:0;letter-spacing:.2px}
.sub{margin:0;color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.08em}
.facts{display:flex;flex-wrap:wrap;justify-content:flex-end;gap:8px 32px;margin:0}
.facts div{display:flex;flex-direction:column}
.facts dt{color:var(--muted);font-size:11px;text-transform:uppercase;letter-spacing:.08em}
.facts dd{margin:2px 0 0;font-weight:600;white-space:nowrap}
.writer-name{color:var(--writer)}
.grid{display:grid;grid-template-columns:minmax(0,1fr) 350px;gap:16px}
.card{background:var(--panel);border:1px solid var(--border);border-radius:12px;padding:14px 16px}
.card h2{display:flex;align-items:center;font-size:13px;margin:0 0 10px;color:var(--muted);text-transform:uppercase;letter-spacing:.08em;font-weight:600}
.summary{margin-left:auto;text-transform:none;letter-spacing:0;font-weight:600;font-size:12px}
.count{display:inline-block;min-width:20px;padding:0 6px;margin-left:4px;border-radius:10px;background:#1e293b;color:var(--text);text-align:center;letter-spacing:0}
.map-card{grid-column:1;grid-row:1}
.timeline-card{grid-column:2;grid-row:1;overflow:hidden}
.table-card{grid-column:1/span 2;grid-row:2;padding:2px 0;overflow-x:auto}
.map{display:block;width:100%;height:auto}
.sea{fill:var(--sea)}
.sea-fill{fill:var(--sea)}
.land{fill:var(--land);stroke:var(--land-edge);stroke-width:.8;stroke-linejoin:round}
.grid-line{stroke:#17243a;stroke-width:.8;fill:none}
.equator{stroke:#22324f;stroke-width:1;stroke-dasharray:4 4;fill:none}
.link{fill:none;stroke:var(--accent);stroke-width:1.6;stroke-dasharray:6 5;opacity:.75}
.link.s-circuit-open,.link.s-not-ready{stroke:var(--bad);opacity:.6}
.link.s-half-open{stroke:var(--warn)}
.link.s-disabled,.link.s-unprobed{stroke:var(--off);opacity:.5}
.marker .dot{stroke:#0a0f1a;stroke-width:2}
.marker .halo{opacity:.22}
.writer-ring{fill:none;stroke:var(--writer);stroke-width:2.5}
.s-healthy .dot,.s-healthy .halo,.swatch.s-healthy{fill:var(--ok);background:var(--ok)}
.s-half-open .dot,.s-half-open .halo,.swatch.s-half-open{fill:var(--warn);background:var(--warn)}
.s-circuit-open .dot,.s-circuit-open .halo,.s-not-ready .dot,.s-not-ready .halo,.swatch.s-circuit-open{fill:var(--bad);background:var(--bad)}
.s-disabled .dot,.s-disabled .halo,.s-unprobed .dot,.s-unprobed .halo,.swatch.s-disabled{fill:var(--off);background:var(--off)}
.label{font-size:15px;paint-order:stroke;stroke:#0a0f1a;stroke-width:4px;stroke-linejoin:round}
.label-id{fill:#fff;font-weight:700}
.label-sub{font-size:12px;font-weight:600}
text.t-healthy,tspan.t-healthy{fill:#86efac}
tspan.t-half-open{fill:#fcd34d}
tspan.t-circuit-open,tspan.t-not-ready{fill:#fca5a5}
tspan.t-disabled,tspan.t-unprobed{fill:#cbd5e1}
span.t-healthy{color:#86efac}
span.t-half-open{color:#fcd34d}
span.t-circuit-open,span.t-not-ready{color:#fca5a5}
span.t-disabled,span.t-unprobed{color:#cbd5e1}
.legend{display:flex;flex-wrap:wrap;gap:18px;list-style:none;margin:10px 0 0;padding:0;color:var(--muted);font-size:12px}
.legend li{display:flex;align-items:center;gap:6px}
.swatch{display:inline-block;width:10px;height:10px;border-radius:50%}
.swatch.ring{background:transparent;border:2px solid var(--writer);width:12px;height:12px}
.swatch.line{width:18px;height:0;border-radius:0;border-top:2px dashed var(--accent)}
table.regions{width:100%;border-collapse:collapse}
.regions th{white-space:nowrap;text-align:left;font-size:10.5px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);font-weight:600;padding:8px 8px;border-bottom:1px solid var(--border)}
.regions th:first-child,.regions td:first-child{padding-left:14px}
.regions td{padding:7px 8px;border-bottom:1px solid var(--border);vertical-align:top;font-size:13px}
.regions tr:last-child td{border-bottom:0}
.nowrap{white-space:nowrap}
.region-id{font-weight:700;font-size:15px}
.url{max-width:170px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.badge{display:inline-flex;align-items:center;gap:6px;padding:2px 9px;border-radius:999px;font-size:12px;font-weight:700;border:1px solid}
.badge-dot{width:7px;height:7px;border-radius:50%;background:currentColor}
.badge.s-healthy{color:#86efac;background:#0f2a1b;border-color:#1f6b3b}
.badge.s-half-open{color:#fcd34d;background:#2d2410;border-color:#7a5a12}
.badge.s-circuit-open,.badge.s-not-ready{color:#fca5a5;background:#2e1416;border-color:#7f2a2e}
.badge.s-disabled,.badge.s-unprobed{color:#cbd5e1;background:#1b2230;border-color:#3a4558}
.role{display:inline-block;padding:1px 8px;border-radius:6px;font-size:12px;font-weight:600}
.role-writer{color:#1a1033;background:var(--writer)}
.role-reader{color:var(--text);background:#1e293b}
.lag-ok{color:var(--text)}
.lag-warn{color:#fcd34d}
.lag-bad{color:#fca5a5}
.error{color:#fca5a5;font-size:12px;max-width:170px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;margin-top:2px}
.timeline{list-style:none;margin:0;padding:0 0 0 14px;border-left:2px solid #233049}
.event{position:relative;padding:0 0 10px 10px}
.event::before{content:"";position:absolute;left:-21px;top:4px;width:10px;height:10px;border-radius:50%;background:var(--warn);border:2px solid var(--panel)}
.tone-info::before{background:var(--accent)}
.tone-ok::before{background:var(--ok)}
.tone-bad::before{background:var(--bad)}
.event-line{display:flex;justify-content:space-between;align-items:baseline;gap:10px;white-space:nowrap}
.event-line time{color:var(--muted);font-size:12px}
.event-title{font-weight:700;overflow:hidden;text-overflow:ellipsis}
.arrow{color:var(--accent)}
.event-detail{color:var(--muted);font-size:12px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.method{color:var(--accent);font-weight:700}
.event-note{font-size:12px;color:#fcd34d;overflow:hidden;text-overflow:ellipsis}
.tone-info .event-note{color:#93c5fd}
.tone-ok .event-note{color:#86efac}
.tone-bad .event-note{color:#fca5a5}
.kind{display:inline-block;padding:0 6px;margin-right:4px;border-radius:4px;background:#1e293b;color:var(--text);font-size:11px;text-transform:uppercase;letter-spacing:.05em}
.more{margin:0 0 0 24px}
.empty{color:var(--muted);margin:8px 0}
.empty-mark{color:var(--ok);font-weight:700}
.leader{stroke:#cbd5e1;stroke-width:1;opacity:.55;fill:none}
.spark{display:block}
.spark-base{stroke:#233049;stroke-width:1;fill:none}
.spark-area{fill:var(--accent);opacity:.18}
.spark-line{stroke:var(--accent);stroke-width:1.5;fill:none;stroke-linejoin:round}
.spark-dot{fill:var(--accent)}
.rate-cell{display:flex;align-items:center;gap:6px}
.rate{font-weight:700}
.band-bar{display:block;margin-top:4px}
.band-scale{fill:#1e293b}
.band-fill{fill:var(--accent);opacity:.8}
.band-zero{stroke:#0a0f1a;stroke-width:1}
.teams{color:#c4b5fd}
.teams.muted{color:var(--muted)}
.transit{display:inline-block;padding:1px 8px;border-radius:6px;font-size:12px;font-weight:700;border:1px solid}
.transit-sealed{color:#86efac;background:#0f2a1b;border-color:#1f6b3b}
.transit-not-sent{color:#cbd5e1;background:#1b2230;border-color:#3a4558}
.transit-clear{color:#fcd34d;background:#2d2410;border-color:#7a5a12}
.transit-unknown{color:var(--muted);background:transparent;border-color:#3a4558}
.warn{color:#fcd34d}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;
