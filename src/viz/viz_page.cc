#include "viz/viz_page.h"

namespace banksim {

// The data element (id "trace-data") holds one JSON object:
//   source, origin ("run"|"explore"), protocol, timed (bool), steps (deliveries),
//   quiescent, window (steps drawn at once), times (virtual us per step when timed),
//   lanes:    [{kind: "customer"|"branch", id, initial?, final?}], customers first,
//   messages: [{id, from, to (lanes), sent, end (steps; end -1 while in flight),
//               fate: "delivered"|"in_flight"|"dropped", kind, label, detail,
//               c, e (customer and event ids it is about), hl (part of the violation)}],
//   marks:    [{lane, step, kind: "apply"|"serve"|"reply", label, detail, c, e, hl}],
//   holds:    [{lane, from, to (-1: still held at the end), detail, c, e, hl}],
//   violation: {property, sentence, detail, step} or null, verdict (text when null).
// Row `steps + 1` is the end of the trace: open arrows end there, final balances show.
// The script marks the body data-ready="1" once drawn; a script error adds
// <div id="viz-error"> (the browser test looks for both).

const char* const kVizPageHead = R"PAGE(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>banksim trace</title>
<script>
window.onerror = function (message, source, line) {
  var d = document.createElement('div');
  d.id = 'viz-error';
  d.textContent = 'script error: ' + message + ' (line ' + line + ')';
  (document.body || document.documentElement).appendChild(d);
};
</script>
<style>
:root { --request: #2563eb; --reply: #059669; --propagate: #7c3aed; --ack: #6b7280;
        --hl: #dc2626; --hold: #f59e0b; --ink: #111827; --muted: #6b7280; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: var(--ink); background: #fff; }
header { padding: 12px 18px 8px; border-bottom: 1px solid #e5e7eb; background: #f9fafb; }
h1 { font-size: 17px; margin: 0 0 6px; font-weight: 600; }
h1 code { font-size: 15px; }
#verdict { font-size: 15px; margin: 2px 0; }
#verdict .bad { color: #fff; background: var(--hl); padding: 1px 7px; border-radius: 4px;
                font-weight: 700; letter-spacing: .03em; }
#verdict .good { color: #fff; background: var(--reply); padding: 1px 7px; border-radius: 4px;
                 font-weight: 700; }
#verdict-detail { color: #7f1d1d; font-size: 13px; margin: 2px 0 4px; }
#facts { color: var(--muted); font-size: 13px; }
#controls { margin-top: 8px; display: flex; gap: 14px; align-items: center; flex-wrap: wrap;
            font-size: 13px; }
#controls button { font: inherit; padding: 2px 9px; border: 1px solid #d1d5db; background: #fff;
                   border-radius: 4px; cursor: pointer; }
#controls input[type=search] { font: inherit; padding: 2px 6px; width: 21em; }
#search-status { color: var(--muted); }
#legend { display: flex; gap: 14px; flex-wrap: wrap; font-size: 12px; color: #374151;
          margin-top: 6px; }
#legend span.sw { display: inline-block; width: 22px; height: 0; border-top: 3px solid;
                  vertical-align: middle; margin-right: 4px; }
#scroller { overflow: auto; height: calc(100vh - 190px); min-height: 240px; }
#details { position: fixed; left: 0; right: 0; bottom: 0; padding: 6px 18px; font-size: 13px;
           background: #111827; color: #f9fafb; min-height: 30px; }
#viz-error { position: fixed; top: 0; left: 0; right: 0; background: var(--hl); color: #fff;
             padding: 8px; font-weight: 700; }
svg text { font-family: inherit; }
.lanehead rect { fill: #f3f4f6; stroke: #9ca3af; }
.lanehead.branch rect { fill: #eef2ff; stroke: #818cf8; }
.lanehead text.name { font-size: 14px; font-weight: 600; text-anchor: middle; }
.lanehead text.sub { font-size: 12px; fill: var(--muted); text-anchor: middle; }
.laneline { stroke: #9ca3af; stroke-width: 1.5; }
.laneline.branch { stroke: #818cf8; }
.row-even { fill: #fafafa; }
.rowlabel { font-size: 12px; fill: var(--muted); text-anchor: end; }
.rowlabel.time { font-size: 11px; }
.vrow { fill: #fee2e2; }
.vrowlabel { font-size: 12px; fill: var(--hl); font-weight: 700; text-anchor: end; }
.msg line, .msg path { stroke-width: 1.8; fill: none; }
.msg.request line { stroke: var(--request); }
.msg.reply line { stroke: var(--reply); }
.msg.propagate line { stroke: var(--propagate); }
.msg.ack line { stroke: var(--ack); }
.msg.in_flight line { stroke-dasharray: 7 4; }
.msg.hl line { stroke: var(--hl); stroke-width: 3; }
.msg text { font-size: 12px; text-anchor: middle; paint-order: stroke; stroke: #fff;
            stroke-width: 4px; stroke-linejoin: round; }
.msg.request text { fill: #1e40af; }
.msg.reply text { fill: #065f46; }
.msg.propagate text { fill: #5b21b6; }
.msg.ack text { fill: #4b5563; }
.msg.hl text { fill: var(--hl); font-weight: 700; }
.msg .cross { stroke: var(--hl); stroke-width: 3; }
.msg:hover line { stroke-width: 4; }
.found line { stroke: #f59e0b !important; stroke-width: 5 !important; }
.found circle { stroke: #f59e0b !important; stroke-width: 4 !important; }
.mark circle { stroke: #fff; stroke-width: 1.5; }
.mark.apply circle { fill: var(--propagate); }
.mark.serve circle { fill: #0f766e; }
.mark.reply circle { fill: var(--reply); }
.mark text { font-size: 12px; paint-order: stroke; stroke: #fff; stroke-width: 4px;
             stroke-linejoin: round; fill: #1f2937; }
.mark.hl circle { fill: var(--hl); }
.mark.hl text { fill: var(--hl); font-weight: 700; }
.hold rect { fill: var(--hold); fill-opacity: .55; stroke: #b45309; }
.hold.hl rect { stroke: var(--hl); stroke-width: 2; }
.hold text { font-size: 11px; fill: #92400e; font-weight: 600; }
.final rect { fill: #fff; stroke: #818cf8; }
.final text { font-size: 12px; text-anchor: middle; font-weight: 600; }
.endrow { fill: #f3f4f6; }
.endline { stroke: #9ca3af; stroke-dasharray: 3 3; }
</style>
</head>
<body>
<header>
<h1>banksim trace <code id="source"></code></h1>
<div id="verdict"></div>
<div id="verdict-detail"></div>
<div id="facts"></div>
<div id="controls">
  <span>zoom <button id="zoom-out" title="zoom out">&minus;</button>
  <button id="zoom-in" title="zoom in">+</button>
  <button id="zoom-reset" title="actual size">1:1</button></span>
  <span><input type="search" id="search" placeholder="find: message #7, event 3, 1:3">
  <span id="search-status"></span></span>
  <span id="window-controls" hidden><span id="window-status"></span>
  <button id="win-earlier">&larr; earlier</button> <button id="win-later">later &rarr;</button>
  <button id="win-violation">violation</button> <button id="win-all">all steps</button></span>
</div>
<div id="legend">
  <span><span class="sw" style="border-color:var(--request)"></span>request</span>
  <span><span class="sw" style="border-color:var(--reply)"></span>reply</span>
  <span><span class="sw" style="border-color:var(--propagate)"></span>propagate</span>
  <span><span class="sw" style="border-color:var(--ack)"></span>ack</span>
  <span><span class="sw" style="border-top-style:dashed;border-color:#374151"></span>still in flight at the end (open head)</span>
  <span><span class="sw" style="border-top-width:8px;border-color:var(--hold)"></span>request held by the branch</span>
  <span><span class="sw" style="border-color:var(--hl)"></span>part of the violation</span>
  <span>&#9679; apply (+amount &rarr; balance after) / serve / reply</span>
</div>
</header>
<div id="scroller"><svg id="diagram" xmlns="http://www.w3.org/2000/svg"></svg></div>
<div id="details">Hover over an arrow, a mark or a held request for its details.</div>
<noscript><p>This page draws the trace with its inline script; enable JavaScript to see it.</p></noscript>
)PAGE";

const char* const kVizPageTail = R"PAGE(<script>
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('trace-data').textContent);
  var NS = 'http://www.w3.org/2000/svg';
  var GUTTER = 120, LANE_W = 250, TOP = 84, ROW = 42, BOTTOM = 24, RIGHT = 40;
  var END = D.steps + 1;  // the row after the last delivery
  var svg = document.getElementById('diagram');
  var scroller = document.getElementById('scroller');
  var zoom = 1;
  var lo = 0, hi = END;
  var windowed = END + 1 > D.window;
  var found = null;  // {messages: Set of ids, events: "c:e" keys}

  function el(name, attrs, parent, text) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function grouped(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ','); }
  function laneName(l) { return l.kind + ' ' + l.id; }
  function laneX(i) { return GUTTER + LANE_W / 2 + i * LANE_W; }
  function rowY(step) { return TOP + (step - lo) * ROW + ROW / 2; }
  function stepText(s) {
    if (s === END) return 'end';
    return s === 0 ? 'start' : 'step ' + s;
  }

  // Header.
  document.title = 'banksim trace ' + D.source;
  document.getElementById('source').textContent = D.source;
  var verdict = document.getElementById('verdict');
  if (D.violation) {
    verdict.innerHTML = '<span class="bad">VIOLATED</span> <b></b>: <span></span>';
    verdict.querySelector('b').textContent = D.violation.property;
    verdict.querySelector('span:last-child').textContent = D.violation.sentence + '.';
    document.getElementById('verdict-detail').textContent =
        'At ' + stepText(D.violation.step) + ': ' + D.violation.detail;
  } else {
    verdict.innerHTML = '<span class="good">no violation</span> <span></span>';
    verdict.querySelector('span:last-child').textContent = D.verdict + '.';
  }
  var inFlight = D.messages.filter(function (m) { return m.fate === 'in_flight'; }).length;
  var dropped = D.messages.filter(function (m) { return m.fate === 'dropped'; }).length;
  document.getElementById('facts').textContent =
      'protocol ' + D.protocol + ' \u00b7 from banksim ' + D.origin + ' \u00b7 ' +
      grouped(D.steps) + ' deliveries' + (D.timed ? ' (virtual times in us)' : ' (steps, no clock)') +
      ' \u00b7 ' + grouped(D.messages.length) + ' messages, ' + grouped(inFlight) +
      ' still in flight at the end' + (dropped ? ', ' + grouped(dropped) + ' dropped' : '') +
      (D.quiescent ? '' : ' (the trace ends before quiescence)');

  function centerOn(step) {
    if (!windowed) { lo = 0; hi = END; return; }
    lo = Math.max(0, step - Math.floor(D.window / 2));
    hi = Math.min(END, lo + D.window - 1);
    lo = Math.max(0, hi - D.window + 1);
  }

  function defs() {
    var d = el('defs', {}, svg);
    var heads = { request: 'var(--request)', reply: 'var(--reply)', propagate: 'var(--propagate)',
                  ack: 'var(--ack)', hl: 'var(--hl)' };
    Object.keys(heads).forEach(function (k) {
      var m = el('marker', { id: 'head-' + k, viewBox: '0 0 10 10', refX: 9, refY: 5,
                             markerUnits: 'userSpaceOnUse', markerWidth: 11, markerHeight: 11,
                             orient: 'auto-start-reverse' }, d);
      el('path', { d: 'M0,0 L10,5 L0,10 z', style: 'fill:' + heads[k] + ';stroke:none' }, m);
      var o = el('marker', { id: 'open-' + k, viewBox: '0 0 10 10', refX: 9, refY: 5,
                             markerUnits: 'userSpaceOnUse', markerWidth: 14, markerHeight: 14,
                             orient: 'auto-start-reverse' }, d);
      el('path', { d: 'M1,1 L9,5 L1,9 z', style: 'fill:#fff;stroke-width:1.5;stroke:' + heads[k] }, o);
    });
    return d;
  }

  function isFound(c, e, id) {
    if (!found) return false;
    return (id !== undefined && found.ids.has(id)) || found.events.has(c + ':' + e) ||
           found.eventIds.has(e);
  }

  function render() {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var rows = hi - lo + 1;
    var W = GUTTER + D.lanes.length * LANE_W + RIGHT;
    var H = TOP + rows * ROW + BOTTOM;
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    svg.setAttribute('width', Math.round(W * zoom));
    svg.setAttribute('height', Math.round(H * zoom));
    var d = defs();
    var clip = el('clipPath', { id: 'rows-clip' }, d);
    el('rect', { x: 0, y: TOP, width: W, height: rows * ROW }, clip);

    // Rows.
    var rowsG = el('g', { 'class': 'rows' }, svg);
    for (var s = lo; s <= hi; ++s) {
      var y0 = TOP + (s - lo) * ROW;
      var cls = s === END ? 'endrow' : (s % 2 === 0 ? 'row-even' : 'row-odd');
      if (D.violation && s === D.violation.step) cls = 'vrow';
      if (cls !== 'row-odd') el('rect', { 'class': cls, x: 0, y: y0, width: W, height: ROW }, rowsG);
      var label = el('text', { 'class': 'rowlabel', x: GUTTER - 14, y: y0 + ROW / 2 + (D.timed ? -2 : 4) },
                     rowsG, stepText(s));
      if (D.timed && s !== END) {
        el('text', { 'class': 'rowlabel time', x: GUTTER - 14, y: y0 + ROW / 2 + 12 }, rowsG,
           grouped(D.times[s]) + ' us');
      }
      if (D.violation && s === D.violation.step) {
        label.setAttribute('class', 'vrowlabel');
        label.textContent = '\u26a0 ' + stepText(s);
      }
    }

    // Lanes.
    var lanesG = el('g', { 'class': 'lanes' }, svg);
    D.lanes.forEach(function (l, i) {
      var x = laneX(i);
      el('line', { 'class': 'laneline ' + l.kind, x1: x, y1: TOP - 8, x2: x, y2: TOP + rows * ROW }, lanesG);
      var h = el('g', { 'class': 'lanehead ' + l.kind }, lanesG);
      el('rect', { x: x - 80, y: 10, width: 160, height: l.kind === 'branch' ? 54 : 38, rx: 7 }, h);
      el('text', { 'class': 'name', x: x, y: 34 }, h, laneName(l));
      if (l.kind === 'branch') el('text', { 'class': 'sub', x: x, y: 54 }, h, 'balance ' + l.initial);
      if (l.kind === 'branch' && hi === END) {
        var f = el('g', { 'class': 'final' }, lanesG);
        el('title', {}, f, laneName(l) + ' ends with balance ' + l.final);
        el('rect', { x: x - 48, y: rowY(END) - 11, width: 96, height: 22, rx: 5 }, f);
        el('text', { x: x, y: rowY(END) + 4 }, f, 'final ' + l.final);
      }
    });

    if (hi === END) {
      var yEnd = TOP + (END - lo) * ROW;
      el('line', { 'class': 'endline', x1: GUTTER - 10, y1: yEnd, x2: W - RIGHT, y2: yEnd }, lanesG);
    }
    var body = el('g', { 'clip-path': 'url(#rows-clip)' }, svg);
    // Held requests.
    D.holds.forEach(function (h) {
      var to = h.to < 0 ? END : h.to;
      if (to < lo || h.from > hi) return;
      var g = el('g', { 'class': 'hold' + (h.hl ? ' hl' : ''), 'data-detail': h.detail }, body);
      el('title', {}, g, h.detail);
      var x = laneX(h.lane), y1 = rowY(h.from), y2 = rowY(to);
      el('rect', { x: x - 6, y: y1, width: 12, height: Math.max(y2 - y1, 4), rx: 3 }, g);
      el('text', { x: x - 10, y: (y1 + y2) / 2 + 4, 'text-anchor': 'end' }, g,
         h.to < 0 ? 'held (still)' : 'held');
    });

    // Labels avoid each other: each takes the first free spot along its arrow.
    var boxes = [];
    function textWidth(t) { return t.length * 6.8 + 6; }
    function overlaps(b) {
      for (var i = 0; i < boxes.length; ++i) {
        var o = boxes[i];
        if (b.x1 < o.x2 && o.x1 < b.x2 && b.y1 < o.y2 && o.y1 < b.y2) return true;
      }
      return false;
    }

    // Marks, grouped by lane and step; placed first, drawn last (on top).
    var groups = {};
    var order = [];
    D.marks.forEach(function (m) {
      if (m.step < lo || m.step > hi) return;
      var k = m.lane + ':' + m.step;
      if (!groups[k]) { groups[k] = []; order.push(k); }
      groups[k].push(m);
    });
    var markText = [];
    order.forEach(function (k) {
      var ms = groups[k];
      var x = laneX(ms[0].lane), y = rowY(ms[0].step);
      // Customers sit left of the branches: their labels go left, the branches' right.
      var left = D.lanes[ms[0].lane].kind === 'customer';
      ms.forEach(function (m, i) {
        var ty = y + 4 + (i - (ms.length - 1) / 2) * 14;
        var w = textWidth(m.label);
        var tx = left ? x - 10 : x + 10;
        boxes.push({ x1: left ? tx - w : tx, x2: left ? tx : tx + w, y1: ty - 12, y2: ty + 3 });
        markText.push({ m: m, x: x, y: y, tx: tx, ty: ty, left: left, first: i === 0 });
      });
    });

    // Messages: the violation's first, so its labels get the free spots along their arrows.
    var drawn = 0;
    var hlGroups = [];
    var byHighlight = D.messages.filter(function (m) { return m.hl; })
        .concat(D.messages.filter(function (m) { return !m.hl; }));
    byHighlight.forEach(function (m) {
      var end = m.fate === 'in_flight' ? END : m.end;
      if (end < lo || m.sent > hi) return;
      var x1 = laneX(m.from), x2 = laneX(m.to), y1 = rowY(m.sent), y2 = rowY(end);
      var key = m.hl ? 'hl' : m.kind;
      var cls = 'msg ' + m.kind + ' ' + m.fate + (m.hl ? ' hl' : '') +
                (m.sent < lo || end > hi ? ' cut' : '') + (isFound(m.c, m.e, m.id) ? ' found' : '');
      var g = el('g', { 'class': cls, 'data-id': m.id, 'data-detail': m.detail }, body);
      if (m.hl) hlGroups.push(g);
      el('title', {}, g, m.detail);
      var ex = x2, ey = y2;
      // Open arrows stop on the end-of-trace line, above the final balances.
      if (m.fate === 'in_flight') { ex = x1 + (x2 - x1) * 0.8; ey = TOP + (END - lo) * ROW; }
      if (m.fate === 'dropped') { ex = x1 + (x2 - x1) * 0.55; }
      var shrink = m.fate === 'delivered' ? 6 : 0;  // stop short of the lane's mark
      var len = Math.hypot(ex - x1, ey - y1) || 1;
      var line = el('line', { x1: x1, y1: y1, x2: ex - (ex - x1) / len * shrink,
                              y2: ey - (ey - y1) / len * shrink }, g);
      if (m.fate === 'delivered') line.setAttribute('marker-end', 'url(#head-' + key + ')');
      if (m.fate === 'in_flight') line.setAttribute('marker-end', 'url(#open-' + key + ')');
      if (m.fate === 'dropped') {
        el('path', { 'class': 'cross', d: 'M' + (ex - 7) + ',' + (ey - 7) + ' l14,14 m0,-14 l-14,14' }, g);
      }
      // The label sits on the part that is on screen, at its middle if that is free.
      var top = TOP, bottom = TOP + (hi - lo + 1) * ROW;
      var ya = Math.max(y1, top), yb = Math.min(ey, bottom);
      var text = '#' + m.id + ' ' + m.label + (m.fate === 'in_flight' ? ' (in flight)' : '');
      var w = textWidth(text);
      var spots = [0.5, 0.35, 0.65, 0.25, 0.75, 0.15, 0.85, 0.42, 0.58];
      var best = null;
      for (var i = 0; i < spots.length && best === null; ++i) {
        var ym = ya + (yb - ya) * spots[i];
        var tt = ey === y1 ? spots[i] : (ym - y1) / (ey - y1);
        var xm = x1 + (ex - x1) * tt;
        var box = { x1: xm - w / 2, x2: xm + w / 2, y1: ym - 17, y2: ym - 2 };
        if (!overlaps(box) || i === spots.length - 1) best = { x: xm, y: ym, box: box };
      }
      if (overlaps(best.box)) {  // nowhere free: the middle
        var ym0 = (ya + yb) / 2, t0 = ey === y1 ? 0.5 : (ym0 - y1) / (ey - y1);
        best = { x: x1 + (ex - x1) * t0, y: ym0, box: { x1: 0, x2: 0, y1: 0, y2: 0 } };
      }
      boxes.push(best.box);
      el('text', { x: best.x, y: best.y - 5 }, g, text);
      ++drawn;
    });
    // ... and on top of the others' arrows.
    hlGroups.forEach(function (g) { body.appendChild(g); });

    markText.forEach(function (p) {
      var m = p.m;
      var cls = 'mark ' + m.kind + (m.hl ? ' hl' : '') + (isFound(m.c, m.e) ? ' found' : '');
      var g = el('g', { 'class': cls, 'data-detail': m.detail }, body);
      el('title', {}, g, m.detail);
      if (p.first) el('circle', { cx: p.x, cy: p.y, r: 5.5 }, g);
      el('text', { x: p.tx, y: p.ty, 'text-anchor': p.left ? 'end' : 'start' }, g, m.label);
    });

    svg.setAttribute('data-drawn-messages', drawn);
    var wc = document.getElementById('window-controls');
    wc.hidden = !windowed;
    document.getElementById('win-violation').hidden = !D.violation;
    if (windowed) {
      document.getElementById('window-status').textContent =
          'showing ' + stepText(lo) + ' to ' + stepText(hi) + ' of ' + grouped(D.steps) + ' steps';
    }
  }

  // Hover details.
  var details = document.getElementById('details');
  svg.addEventListener('mouseover', function (ev) {
    var t = ev.target.closest('[data-detail]');
    if (t) details.textContent = t.getAttribute('data-detail');
  });

  // Zoom: buttons and ctrl + wheel.
  function setZoom(z) { zoom = Math.min(4, Math.max(0.2, z)); render(); }
  document.getElementById('zoom-in').onclick = function () { setZoom(zoom * 1.25); };
  document.getElementById('zoom-out').onclick = function () { setZoom(zoom / 1.25); };
  document.getElementById('zoom-reset').onclick = function () { setZoom(1); };
  scroller.addEventListener('wheel', function (ev) {
    if (!ev.ctrlKey) return;
    ev.preventDefault();
    setZoom(zoom * (ev.deltaY < 0 ? 1.1 : 1 / 1.1));
  }, { passive: false });

  // Window over long traces.
  function shift(by) {
    if (!windowed) return;
    lo = Math.max(0, Math.min(END - D.window + 1, lo + by));
    hi = Math.min(END, lo + D.window - 1);
    render();
    scroller.scrollTop = by > 0 ? 0 : scroller.scrollHeight;
  }
  document.getElementById('win-earlier').onclick = function () { shift(-Math.floor(D.window / 2)); };
  document.getElementById('win-later').onclick = function () { shift(Math.floor(D.window / 2)); };
  document.getElementById('win-violation').onclick = function () {
    centerOn(D.violation ? D.violation.step : 0); render(); scrollTo(D.violation ? D.violation.step : 0);
  };
  document.getElementById('win-all').onclick = function () { windowed = false; lo = 0; hi = END; render(); };

  function scrollTo(step) {
    scroller.scrollTop = Math.max(0, (rowY(step) - 160) * zoom);
  }

  // Search: "#7" or "m7" a message id; "3" an event id (any customer); "1:3" customer 1's event 3.
  var status = document.getElementById('search-status');
  function search(q) {
    q = q.trim();
    found = null;
    if (q === '') { status.textContent = ''; render(); return; }
    var f = { ids: new Set(), events: new Set(), eventIds: new Set() };
    var mm = /^(?:#|m)(\d+)$/i.exec(q), ce = /^c?(-?\d+)\s*[:.\/e]\s*(-?\d+)$/i.exec(q),
        ev = /^e?(-?\d+)$/i.exec(q);
    if (mm) f.ids.add(Number(mm[1]));
    else if (ce) f.events.add(Number(ce[1]) + ':' + Number(ce[2]));
    else if (ev) f.eventIds.add(Number(ev[1]));
    else { status.textContent = 'type #7 (message), 3 (event id) or 1:3 (customer 1, event 3)'; render(); return; }
    found = f;
    var first = null, count = 0;
    D.messages.forEach(function (m) {
      if (isFound(m.c, m.e, m.id)) { ++count; if (first === null) first = m.sent; }
    });
    D.marks.forEach(function (m) {
      if (isFound(m.c, m.e)) { ++count; if (first === null || m.step < first) first = m.step; }
    });
    if (first === null) { status.textContent = 'nothing matches ' + q; render(); return; }
    status.textContent = count + ' match' + (count === 1 ? '' : 'es') + ', first at ' + stepText(first);
    if (first < lo || first > hi) centerOn(first);
    render();
    scrollTo(first);
  }
  var box = document.getElementById('search');
  box.addEventListener('keydown', function (ev) { if (ev.key === 'Enter') search(box.value); });
  box.addEventListener('search', function () { search(box.value); });

  centerOn(D.violation ? D.violation.step : 0);
  render();
  if (D.violation) scrollTo(D.violation.step);
  // PAGE.html#find=QUERY opens with that search done (links to one message or event).
  var hash = /^#find=(.+)$/.exec(window.location.hash);
  if (hash) { box.value = decodeURIComponent(hash[1]); search(box.value); }
  document.body.setAttribute('data-ready', '1');
})();
</script>
</body>
</html>
)PAGE";

}  // namespace banksim
