// Chain map behaviour: an overview first (industry -> stages -> scenarios, what lies below
// folded into counts), grown on click, a focus on one node's neighbourhood, a position's path.
// The page holds the whole map (chainkgData) and draws one view of it at a time; views stack,
// so "back" and the breadcrumb restore the previous one. window.chainkg is the handle tests and
// bench/viz.py use.
(function () {
  "use strict";
  var data = window.chainkgData;
  var FONT = 14; // label size at zoom 1
  var MIN_PX = 12; // smallest label size on screen a view may open with
  var MAX_FIRST = 90; // nodes the overview may draw at first sight
  var byId = {};
  data.nodes.forEach(function (n) { byId[n.id] = n; });
  var down = {}, up = {};
  data.edges.forEach(function (e) {
    (down[e.from] = down[e.from] || []).push(e);
    (up[e.to] = up[e.to] || []).push(e);
  });
  var requires = {};
  (data.requires || []).forEach(function (r) {
    (requires[r[0]] = requires[r[0]] || []).push(r[1]);
  });
  var stageOrder = {};
  Array.prototype.forEach.call(document.querySelectorAll("#stage-filter option"), function (o, i) {
    stageOrder[o.value] = i;
  });

  var nodes = new vis.DataSet([]);
  var edges = new vis.DataSet([]);
  var container = document.getElementById("chain");
  var options = data.options;
  options.interaction.hideEdgesOnDrag = false;
  options.interaction.hideEdgesOnZoom = false;
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, options);
  var status = document.getElementById("search-status");
  var viewStatus = document.getElementById("view-status");
  var stack = [];

  network.once("afterDrawing", function () { window.chainkgDrawnAt = performance.now(); });

  // ---- the graph ---------------------------------------------------------------------------
  function children(id) {
    var out = [], seen = {};
    function add(x) { if (!seen[x] && byId[x]) { seen[x] = true; out.push(x); } }
    (down[id] || []).forEach(function (e) {
      if (byId[e.to].level > byId[id].level) { add(e.to); }
    });
    if (byId[id].ntype === "scenario") {
      (down[id] || []).forEach(function (e) {
        if (byId[e.to].ntype === "bundle") {
          (down[e.to] || []).forEach(function (f) { if (byId[f.to].ntype === "matter") { add(f.to); } });
        }
      });
    }
    (requires[id] || []).forEach(add);
    return out;
  }

  function parents(id) {
    return (up[id] || []).map(function (e) { return e.from; }).filter(function (p) {
      return byId[p].level < byId[id].level;
    });
  }

  function ancestors(id, into) {
    parents(id).forEach(function (p) {
      if (!into[p]) { into[p] = true; ancestors(p, into); }
    });
    return into;
  }

  // ---- measuring labels ----------------------------------------------------------------------
  function textWidth(text, size) {
    var widest = 0;
    String(text).split("\n").forEach(function (line) {
      var w = 0;
      for (var i = 0; i < line.length; i++) { w += line.charCodeAt(i) > 255 ? size : size * 0.6; }
      widest = Math.max(widest, w);
    });
    return widest;
  }
  function lines(text, wrap) {
    var count = 0;
    String(text).split("\n").forEach(function (line) {
      count += Math.max(1, Math.ceil(textWidth(line, FONT) / (wrap || 1e9)));
    });
    return count;
  }
  function nodeWidth(label, wrap) { return Math.min(textWidth(label, FONT), wrap || 1e9) + 24; }
  // Box-like shapes hold their label; the others draw it below the shape.
  var LABEL_BELOW = { star: true, dot: true, hexagon: true, diamond: true };
  function extent(shape, size, label, wrap) {
    var text = lines(label, wrap) * FONT * 1.3;
    if (LABEL_BELOW[shape]) { return { up: size + 2, dn: size + text + 6 }; }
    return { up: text / 2 + 6, dn: text / 2 + 6 };
  }

  function overviewLabel(id) {
    var n = byId[id];
    return n.summary ? n.short + "\n" + n.summary : n.short;
  }

  function fullLabel(id, open) {
    var n = byId[id];
    return !open && n.summary ? n.name + "\n" + n.summary : n.name;
  }

  // ---- drawing a view ------------------------------------------------------------------------
  function record(id, x, y, label, extra) {
    var n = byId[id];
    var r = {
      id: id, x: x, y: y, label: label, title: n.title, shape: n.shape, color: n.color,
      size: n.size, ntype: n.ntype, level: n.level, stages: n.stages, name: n.name,
      font: { color: n.font.color, face: n.font.face, size: FONT }, physics: false,
      widthConstraint: n.widthConstraint
    };
    if (extra) { Object.keys(extra).forEach(function (k) { r[k] = extra[k]; }); }
    return r;
  }

  function edgeRecords(ids, extra) {
    var shown = {};
    ids.forEach(function (id) { shown[id] = true; });
    var out = [], seen = {};
    ids.forEach(function (id) {
      (down[id] || []).forEach(function (e) {
        var key = e.from + ">" + e.to;
        if (!shown[e.to] || seen[key]) { return; }
        seen[key] = true;
        out.push({
          id: key, from: e.from, to: e.to, title: e.title, color: e.color, width: e.width,
          dashes: e.dashes || false, kind: e.kind
        });
      });
      (requires[id] || []).forEach(function (to) {
        var key = id + ">" + to + ":req";
        if (shown[to]) {
          out.push({ id: key, from: id, to: to, title: "前置事项", color: "#718096",
            dashes: [2, 4], kind: "REQUIRES" });
        }
      });
    });
    return out.concat(extra || []);
  }

  function draw(records, edgeList, anchor) {
    nodes.clear();
    edges.clear();
    nodes.add(records);
    edges.add(edgeList);
    fitView(records, anchor);
  }

  function box(records) {
    var b = { left: 1e12, right: -1e12, top: 1e12, bottom: -1e12 };
    records.forEach(function (r) {
      var wrap = r.widthConstraint && r.widthConstraint.maximum;
      var w = r.w || nodeWidth(r.label, wrap);
      var e = extent(r.shape, r.size, r.label, wrap);
      b.left = Math.min(b.left, r.x - w / 2);
      b.right = Math.max(b.right, r.x + w / 2);
      b.top = Math.min(b.top, r.y - e.up);
      b.bottom = Math.max(b.bottom, r.y + e.dn);
    });
    return b;
  }

  function scaleFor(b) {
    var cw = container.clientWidth - 24, ch = container.clientHeight - 24;
    return Math.min(cw / (b.right - b.left), ch / (b.bottom - b.top), 1.3);
  }

  function fitView(records, anchor) {
    if (!records.length) { return; }
    var b = box(records);
    var scale = scaleFor(b);
    var centre = { x: (b.left + b.right) / 2, y: (b.top + b.bottom) / 2 };
    if (scale * FONT < MIN_PX) {
      // Too big to show whole at a readable size: open readable, on the node asked about.
      scale = MIN_PX / FONT + 0.02;
      var cw = container.clientWidth / scale, ch = container.clientHeight / scale;
      var at = anchor && byIdIn(records, anchor);
      var ax = at ? at.x : b.left, ay = at ? at.y : b.top;
      centre = {
        x: Math.max(b.left + cw / 2 - 12, Math.min(ax, b.right - cw / 2 + 12)),
        y: Math.max(b.top + ch / 2 - 12, Math.min(ay, b.bottom - ch / 2 + 12))
      };
    }
    network.moveTo({ position: centre, scale: scale, animation: false });
  }

  function byIdIn(records, id) {
    for (var i = 0; i < records.length; i++) { if (records[i].id === id) { return records[i]; } }
    return null;
  }

  // ---- the overview: parent columns, the last level as a grid banded by parent ---------------
  function treeBelow(rootIds, depth) {
    // levels[k]: ids at depth k; parentOf: the one parent each is drawn under
    var levels = [rootIds.slice()], parentOf = {}, placed = {};
    rootIds.forEach(function (id) { placed[id] = true; });
    for (var k = 0; k < depth; k++) {
      var next = [];
      levels[k].forEach(function (id) {
        var kids = children(id).filter(function (c) {
          return byId[c].level === byId[id].level + 1 && !placed[c];
        });
        kids.forEach(function (c) { placed[c] = true; parentOf[c] = id; next.push(c); });
      });
      if (!next.length) { break; }
      levels.push(next);
    }
    return { levels: levels, parentOf: parentOf };
  }

  function gridLayout(tree, cols) {
    var GAP_X = 48, GAP_Y = 10, BAND_GAP = 14;
    var levels = tree.levels, last = levels[levels.length - 1];
    var leafW = 0, leafH = 0;
    last.forEach(function (id) {
      var label = overviewLabel(id);
      leafW = Math.max(leafW, nodeWidth(label));
      var e = extent(byId[id].shape, byId[id].size, label);
      leafH = Math.max(leafH, e.up + e.dn);
    });
    var bands = [], bandOf = {};
    if (levels.length === 1) {
      bands.push({ parent: null, ids: last });
    } else {
      levels[levels.length - 2].forEach(function (p) {
        bandOf[p] = { parent: p, ids: [] };
        bands.push(bandOf[p]);
      });
      last.forEach(function (id) { bandOf[tree.parentOf[id]].ids.push(id); });
    }
    var x = 0, colX = [];
    for (var k = 0; k < levels.length - 1; k++) {
      var w = 0;
      levels[k].forEach(function (id) { w = Math.max(w, nodeWidth(overviewLabel(id))); });
      colX.push(x + w / 2);
      x += w + GAP_X;
    }
    var gridLeft = x, rowH = leafH + GAP_Y, cellW = leafW + 16;
    var pos = {}, y = 0;
    bands.forEach(function (band) {
      var rows = Math.max(1, Math.ceil(band.ids.length / cols));
      band.ids.forEach(function (id, i) {
        var e = extent(byId[id].shape, byId[id].size, overviewLabel(id));
        pos[id] = [
          gridLeft + (i % cols) * cellW + cellW / 2,
          y + Math.floor(i / cols) * rowH + GAP_Y / 2 + (leafH - e.up - e.dn) / 2 + e.up
        ];
      });
      band.top = y;
      band.bottom = y + rows * rowH;
      y += rows * rowH + BAND_GAP;
    });
    // Parent columns: each parent at the middle of its children, from the right inwards.
    for (k = levels.length - 2; k >= 0; k--) {
      levels[k].forEach(function (id) {
        var kids = (k === levels.length - 2 ? bandOf[id].ids : levels[k + 1].filter(function (c) {
          return tree.parentOf[c] === id;
        }));
        var ys = kids.map(function (c) { return pos[c][1]; });
        var mid = ys.length ? (Math.min.apply(null, ys) + Math.max.apply(null, ys)) / 2 : 0;
        if (k === levels.length - 2 && bandOf[id].ids.length === 0) {
          mid = (bandOf[id].top + bandOf[id].bottom) / 2;
        }
        pos[id] = [colX[k], mid];
      });
    }
    var ids = [].concat.apply([], levels);
    var leaf = {};
    last.forEach(function (id) { leaf[id] = true; });
    return ids.map(function (id) {
      var label = overviewLabel(id);
      return record(id, pos[id][0], pos[id][1], label, {
        widthConstraint: false, w: leaf[id] ? leafW : nodeWidth(label)
      });
    });
  }

  function bestGrid(tree) {
    var best = null;
    for (var cols = 1; cols <= 12; cols++) {
      var records = gridLayout(tree, cols);
      var scale = scaleFor(box(records));
      if (!best || scale > best.scale + 1e-9) { best = { records: records, scale: scale }; }
    }
    return best;
  }

  function overviewPlan(rootIds, maxDepth) {
    // The deepest view down to scenarios that stays within MAX_FIRST nodes and readable.
    var fallback = null;
    for (var depth = maxDepth; depth >= 0; depth--) {
      var tree = treeBelow(rootIds, depth);
      var count = tree.levels.reduce(function (s, l) { return s + l.length; }, 0);
      if (count > MAX_FIRST && depth > 0) { continue; }
      var grid = bestGrid(tree);
      grid.parentOf = tree.parentOf;
      fallback = fallback || grid;
      if (grid.scale * FONT >= MIN_PX || depth === 0) { return grid; }
    }
    return fallback;
  }

  function roots() {
    return data.nodes.filter(function (n) { return n.ntype === "industry"; }).map(function (n) {
      return n.id;
    });
  }

  // ---- views -----------------------------------------------------------------------------------
  function render(view) {
    var records, edgeList = [], anchor = null, plan = null;
    if (view.kind === "overview") {
      var rootIds = view.root ? [view.root] : roots();
      var top = rootIds.length ? byId[rootIds[0]].level : 0;
      var plan = overviewPlan(rootIds, Math.max(0, 2 - top));
      records = plan.records;
    } else if (view.kind === "open") {
      records = layered(openIds(view.open), false, view.open);
      anchor = view.open[view.open.length - 1];
    } else if (view.kind === "focus") {
      records = layered(focusIds(view.id), true, []);
      anchor = view.id;
    } else {
      var p = pathView(view.key, view.path);
      records = p.records;
      edgeList = p.edges;
    }
    var ids = records.map(function (r) { return r.id; });
    if (view.kind !== "path") { edgeList = edgeRecords(ids); }
    if (plan) {
      // A scenario shared by several stages sits under the first; its other links are faint.
      edgeList.forEach(function (e) {
        var drawnUnder = plan.parentOf[e.to];
        if (drawnUnder && drawnUnder !== e.from) { e.color = "#dfe5ec"; e.dashes = [4, 4]; }
      });
    }
    draw(records, edgeList, anchor);
    if (view.kind === "focus") {
      network.selectNodes([view.id]);
    }
    viewStatus.textContent = "当前显示 " + records.length + " 个节点";
  }

  function openIds(open) {
    var keep = {}, order = [];
    function add(id) { if (!keep[id]) { keep[id] = true; order.push(id); } }
    open.forEach(function (id) {
      Object.keys(ancestors(id, {})).forEach(add);
      add(id);
    });
    open.forEach(function (id) { children(id).forEach(add); });
    return order;
  }

  function focusIds(id) {
    var keep = ancestors(id, {});
    keep[id] = true;
    children(id).forEach(function (c) { keep[c] = true; });
    return Object.keys(keep);
  }

  function layered(ids, full, open) {
    var isOpen = {};
    open.forEach(function (id) { isOpen[id] = true; });
    var columns = {};
    ids.forEach(function (id) { (columns[byId[id].level] = columns[byId[id].level] || []).push(id); });
    var levels = Object.keys(columns).map(Number).sort(function (a, b) { return a - b; });
    var share = {}, out = [], x = 0, ROW = 12, WRAP = 230;
    var shown = {};
    ids.forEach(function (id) { shown[id] = true; });
    var heights = {}, ups = {}, tallest = 0;
    levels.forEach(function (level) {
      var h = 0;
      columns[level].forEach(function (id) {
        var e = extent(byId[id].shape, byId[id].size, fullLabel(id, isOpen[id] || full), WRAP);
        ups[id] = e.up;
        heights[id] = e.up + e.dn;
        h += heights[id] + ROW;
      });
      tallest = Math.max(tallest, h);
    });
    levels.forEach(function (level) {
      var col = columns[level].slice();
      col.sort(function (a, b) {
        return key(a) - key(b) || stageKey(a) - stageKey(b) || (a < b ? -1 : 1);
      });
      function key(id) {
        var ps = parents(id).filter(function (p) { return share[p] !== undefined; });
        var req = Object.keys(requires).filter(function (m) {
          return share[m] !== undefined && requires[m].indexOf(id) >= 0;
        });
        ps = ps.concat(req);
        return ps.length ? ps.reduce(function (s, p) { return s + share[p]; }, 0) / ps.length : 2;
      }
      var w = 0, total = 0;
      col.forEach(function (id) {
        w = Math.max(w, nodeWidth(fullLabel(id, isOpen[id] || full), WRAP));
        total += heights[id] + ROW;
      });
      var y = -total / 2;
      col.forEach(function (id) {
        share[id] = (y + total / 2) / Math.max(total, 1);
        var label = fullLabel(id, isOpen[id] || full);
        out.push(record(id, x + w / 2, y + ups[id], label, {
          widthConstraint: { maximum: WRAP }, borderWidth: isOpen[id] ? 3 : 1
        }));
        y += heights[id] + ROW;
      });
      x += w + 70;
    });
    return out;
  }

  function stageKey(id) {
    var s = byId[id].stages[0];
    return s in stageOrder ? stageOrder[s] : 999;
  }

  function pathView(keyText, given) {
    var path = given || data.paths[keyText];
    var out = [], edgeList = [], x = 0;
    var positionId = path.scenario ? "scenario:" + path.scenario : "stage:" + path.stage;
    var HL = "#d69e2e";
    function column(items, style) {
      var w = 0;
      items.forEach(function (it) { w = Math.max(w, nodeWidth(it.label, 230)); });
      var step = 0, size = style.size || 12;
      items.forEach(function (it) {
        var e = extent(style.shape, size, it.label, 230);
        step += e.up + e.dn + 10;
      });
      var y = -step / 2;
      items.forEach(function (it) {
        var e = extent(style.shape, size, it.label, 230), h = e.up + e.dn;
        var base = byId[it.id];
        var r = {
          id: it.id, x: x + w / 2, y: y + e.up, label: it.label, title: base ? base.title : it.label,
          shape: style.shape, color: style.color, ntype: style.ntype, size: style.size || 12,
          font: { color: style.font, face: options.nodes.font.face, size: FONT }, physics: false,
          widthConstraint: { maximum: 230 }, borderWidth: 3
        };
        out.push(r);
        y += h + 10;
      });
      x += w + 80;
    }
    function style(type) {
      var n = data.nodes.filter(function (m) { return m.ntype === type; })[0];
      var inside = type === "stage" || type === "scenario";
      return { shape: n ? n.shape : "dot", color: n ? n.color : "#4a5568", ntype: type,
        font: inside ? "#ffffff" : "#1f2933", size: n ? n.size : 12 };
    }
    var position = byId[positionId];
    column([{ id: positionId, label: position ? position.name : path.label }],
      style(path.scenario ? "scenario" : "stage"));
    var bundles = path.bundles.map(function (b) { return { id: "bundle:" + b[0], label: b[1] }; });
    if (bundles.length) { column(bundles, style("bundle")); }
    var matters = [], departments = [], seenDept = {}, number = 0;
    var inBundle = {};
    path.phases.forEach(function (phase) {
      phase.steps.forEach(function (step) {
        if (step.kind === "joint") {
          step.matters.forEach(function (m) { inBundle[m] = "bundle:" + step.id; });
        }
      });
      var names = {};
      phase.matters.forEach(function (m) { names[m[0]] = m[1]; });
      phase.matters.forEach(function (m) {
        matters.push({ id: "matter:" + m[0], label: "第" + phase.phase + "步 · " + m[1] });
      });
      phase.departments.forEach(function (d) {
        number += 1;
        if (!seenDept[d[0]]) {
          seenDept[d[0]] = true;
          departments.push({ id: "department:" + d[0], label: number + ". " + d[1] });
        }
      });
      phase.steps.forEach(function (step) {
        step.matters.forEach(function (m) {
          step.departments.forEach(function (d) {
            var matter = findMatterDept(m, d);
            if (matter) {
              edgeList.push({ id: "matter:" + m + ">department:" + d, from: "matter:" + m,
                to: "department:" + d, color: HL, width: 3 });
            }
          });
        });
      });
    });
    column(matters, style("matter"));
    column(departments, style("department"));
    bundles.forEach(function (b) {
      edgeList.push({ id: positionId + ">" + b.id, from: positionId, to: b.id, color: HL, width: 3 });
    });
    matters.forEach(function (m) {
      var from = inBundle[m.id.slice(7)] || positionId;
      edgeList.push({ id: from + ">" + m.id, from: from, to: m.id, color: HL, width: 3 });
    });
    return { records: out, edges: edgeList };
  }

  function findMatterDept(matterId, deptId) {
    var m = byId["matter:" + matterId];
    if (!m) { return true; } // not on this map (folded): trust the recommendation
    return (down[m.id] || []).some(function (e) { return e.to === "department:" + deptId; });
  }

  function crumbLabel(view) {
    if (view.kind === "overview") { return view.root ? byId[view.root].short : "总览"; }
    if (view.kind === "open") { return byId[view.open[view.open.length - 1]].short; }
    if (view.kind === "focus") { return "聚焦 " + byId[view.id].short; }
    return "路径 " + data.paths[view.key].label;
  }

  function showCrumbs() {
    var bar = document.getElementById("crumbs");
    bar.textContent = "";
    stack.forEach(function (view, i) {
      if (i) { bar.appendChild(document.createTextNode(" › ")); }
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = crumbLabel(view);
      b.addEventListener("click", function () { goTo(i); });
      bar.appendChild(b);
    });
    document.getElementById("back").disabled = stack.length < 2;
  }

  function push(view) {
    stack.push(view);
    render(view);
    showCrumbs();
  }

  function goTo(index) {
    stack = stack.slice(0, index + 1);
    render(stack[stack.length - 1]);
    showCrumbs();
  }

  function back() { if (stack.length > 1) { goTo(stack.length - 2); } }

  function current() { return stack[stack.length - 1]; }

  // ---- interaction -----------------------------------------------------------------------------
  function expand(id) {
    var n = byId[id];
    if (!n) { return; }
    var view = current();
    if (n.ntype === "department") { focus(id); return; }
    if (view.kind === "overview" && (n.ntype === "industry" || n.ntype === "stage")) {
      if (view.root !== id) { push({ kind: "overview", root: id }); }
      return;
    }
    var open = view.kind === "open" ? view.open.slice() : [];
    var at = open.indexOf(id);
    if (at >= 0) {
      // Collapse: close the node and what was opened under it.
      var below = {};
      children(id).forEach(function (c) { below[c] = true; });
      open = open.filter(function (o) { return o !== id && !below[o]; });
      if (!open.length) { back(); return; }
    } else {
      if (!children(id).length) { focus(id); return; }
      open.push(id);
    }
    push({ kind: "open", open: open });
  }

  function focus(id) { push({ kind: "focus", id: id }); }

  function search(text) {
    var needle = (text || "").trim();
    if (!needle) { status.textContent = ""; return null; }
    var hit = null;
    data.nodes.forEach(function (n) { if (!hit && n.name === needle) { hit = n; } });
    data.nodes.forEach(function (n) { if (!hit && n.name.indexOf(needle) >= 0) { hit = n; } });
    if (!hit) {
      status.textContent = "未找到“" + needle + "”";
      return null;
    }
    focus(hit.id);
    status.textContent = "已定位：" + hit.name;
    return hit.id;
  }

  // ---- the position's path ------------------------------------------------------------------
  var posStage = document.getElementById("position-stage");
  var posScenario = document.getElementById("position-scenario");
  var pathList = document.getElementById("path-list");
  var positionNote = document.getElementById("position-note");

  function fillScenarios() {
    posScenario.textContent = "";
    Object.keys(data.paths).forEach(function (k) {
      var p = data.paths[k];
      if (p.stage !== posStage.value) { return; }
      var o = document.createElement("option");
      o.value = k;
      o.textContent = p.scenario ? (byId["scenario:" + p.scenario] || { name: p.label }).name : "整个阶段";
      posScenario.appendChild(o);
    });
  }

  var questionBox = document.getElementById("position-questions");
  var online = location.protocol === "http:" || location.protocol === "https:";

  function fillQuestions() {
    questionBox.textContent = "";
    var path = data.paths[posScenario.value];
    if (!path || !path.questions.length) { return; }
    // Folded by default: a stage-wide position can have a dozen questions.
    var details = document.createElement("details");
    var summary = document.createElement("summary");
    summary.textContent = "按情形回答（" + path.questions.length + " 个问题）";
    details.appendChild(summary);
    questionBox.appendChild(details);
    path.questions.forEach(function (q) {
      var label = document.createElement("label");
      label.textContent = q[1] + " ";
      var select = document.createElement("select");
      select.dataset.question = q[0];
      var none = document.createElement("option");
      none.value = "";
      none.textContent = q[3] ? "默认（" + q[3] + "）" : "未回答";
      select.appendChild(none);
      q[2].forEach(function (v) {
        var o = document.createElement("option");
        o.value = v;
        o.textContent = v;
        select.appendChild(o);
      });
      label.appendChild(select);
      details.appendChild(label);
    });
  }

  function answers() {
    var out = {};
    Array.prototype.forEach.call(questionBox.querySelectorAll("select"), function (s) {
      if (s.value) { out[s.dataset.question] = s.value; }
    });
    return out;
  }

  function fromApi(rec, base) {
    // POST /v1/recommendations' JSON in the page's own shape (see viz/chain_map.py).
    var names = {};
    rec.matters.forEach(function (m) { names[m.id] = m.name; });
    return {
      stage: base.stage, scenario: base.scenario, label: base.label, questions: base.questions,
      bundles: rec.bundles.map(function (b) { return [b.id, b.name]; }),
      phases: rec.department_path.map(function (phase) {
        return {
          phase: phase.phase,
          departments: phase.departments.map(function (d) { return [d.id, d.name]; }),
          matters: phase.matters.map(function (m) { return [m, names[m] || m]; }),
          steps: phase.steps.map(function (st) {
            return { kind: st.kind, id: st.id, matters: st.matters,
              departments: st.departments.map(function (d) { return d.id; }) };
          })
        };
      })
    };
  }

  function showAnswered(keyText) {
    // Answers change the plan: asked of the API that served the page (same origin).
    var base = data.paths[keyText], given = answers();
    if (!base || !Object.keys(given).length) { return Promise.resolve(showPath(keyText)); }
    if (!online) {
      positionNote.textContent = "离线页面只带默认回答的路径；按回答重算请经 API 打开本页。";
      return Promise.resolve(showPath(keyText, null, true));
    }
    var body = { industry: base.industry, stage: base.stage, answers: given };
    if (base.scenario) { body.scenario = base.scenario; }
    var url = location.pathname.replace(/\/viz\/chain-map$/, "/recommendations");
    return fetch(url, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    }).then(function (r) {
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.json();
    }).then(function (rec) {
      return showPath(keyText, fromApi(rec, base));
    }).catch(function (err) {
      positionNote.textContent = "按回答重算失败（" + err.message + "），显示默认回答的路径。";
      return showPath(keyText, null, true);
    });
  }

  function showPath(keyText, answered, keepNote) {
    var path = answered || data.paths[keyText];
    if (!path) {
      positionNote.textContent = "此页未附带推荐数据，无法显示路径。";
      return null;
    }
    pathList.textContent = "";
    path.phases.forEach(function (phase) {
      phase.departments.forEach(function (d) {
        var li = document.createElement("li");
        li.dataset.id = "department:" + d[0];
        li.textContent = "第" + phase.phase + "步 · " + d[1];
        pathList.appendChild(li);
      });
    });
    if (!keepNote) {
      positionNote.textContent = path.label + "：岗位 → 一件事 → 事项 → 部门，按部门路径顺序编号（与推荐结果一致" +
        (answered ? "，已按所选回答重算" : "") + "）。";
    }
    push({ kind: "path", key: keyText, path: path });
    return keyText;
  }

  if (!Object.keys(data.paths).length) {
    positionNote.textContent = "此页未附带推荐数据（由 chainkg viz chain-map 或 API 生成的页面附带）。";
    document.getElementById("position-show").disabled = true;
  }
  posStage.addEventListener("change", function () { fillScenarios(); fillQuestions(); });
  posScenario.addEventListener("change", fillQuestions);
  fillScenarios();
  fillQuestions();
  document.getElementById("position-show").addEventListener("click", function () {
    showAnswered(posScenario.value);
  });

  // ---- export --------------------------------------------------------------------------------
  function download(name, href) {
    var a = document.createElement("a");
    a.href = href;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  function pngData() { return container.querySelector("canvas").toDataURL("image/png"); }

  function svgText() {
    var w = container.clientWidth, h = container.clientHeight;
    var esc = function (s) {
      return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    };
    // The SVG namespace is a name, never fetched; spelt in parts so no URL sits in the page.
    var ns = ["http", "//www.w3.org/2000/svg"].join(":");
    var parts = ['<svg xmlns="' + ns + '" width="' + w + '" height="' + h +
      '" font-family="' + esc(options.nodes.font.face).replace(/"/g, "'") + '">',
      '<rect width="100%" height="100%" fill="#fbfcfd"/>'];
    var at = function (id) { return network.canvasToDOM(network.getPosition(id)); };
    edges.get().forEach(function (e) {
      var a = at(e.from), b = at(e.to);
      var c = typeof e.color === "string" ? e.color : "#9aa5b1";
      parts.push('<line x1="' + a.x + '" y1="' + a.y + '" x2="' + b.x + '" y2="' + b.y +
        '" stroke="' + c + '" stroke-width="' + (e.width || 1) + '"/>');
    });
    var scale = network.getScale();
    nodes.get().forEach(function (n) {
      var bb = network.getBoundingBox(n.id);
      var tl = network.canvasToDOM({ x: bb.left, y: bb.top });
      var br = network.canvasToDOM({ x: bb.right, y: bb.bottom });
      parts.push('<rect x="' + tl.x + '" y="' + tl.y + '" width="' + (br.x - tl.x) + '" height="' +
        (br.y - tl.y) + '" rx="4" fill="' + n.color + '" fill-opacity="0.9"/>');
      var ls = String(n.label).split("\n"), size = FONT * scale, mid = (tl.y + br.y) / 2;
      ls.forEach(function (line, i) {
        var y = mid + (i - (ls.length - 1) / 2) * size * 1.2 + size * 0.35;
        parts.push('<text x="' + (tl.x + br.x) / 2 + '" y="' + y + '" font-size="' + size +
          '" text-anchor="middle" fill="#ffffff">' + esc(line) + "</text>");
      });
    });
    parts.push("</svg>");
    return parts.join("\n");
  }

  document.getElementById("export-png").addEventListener("click", function () {
    download("chain-map.png", pngData());
  });
  document.getElementById("export-svg").addEventListener("click", function () {
    var blob = new Blob([svgText()], { type: "image/svg+xml" });
    download("chain-map.svg", URL.createObjectURL(blob));
  });

  // ---- wiring ----------------------------------------------------------------------------------
  network.on("click", function (params) {
    if (params.nodes.length) { expand(params.nodes[0]); }
  });
  network.on("doubleClick", function (params) {
    if (params.nodes.length && byId[params.nodes[0]]) { focus(params.nodes[0]); }
  });
  document.getElementById("search").addEventListener("submit", function (event) {
    event.preventDefault();
    search(document.getElementById("search-input").value);
  });
  var stageSelect = document.getElementById("stage-filter");
  stageSelect.addEventListener("change", function () {
    if (stageSelect.value && byId["stage:" + stageSelect.value]) {
      stack = [stack[0]];
      push({ kind: "overview", root: "stage:" + stageSelect.value });
    } else {
      goTo(0);
    }
  });
  document.getElementById("back").addEventListener("click", back);
  document.getElementById("reset").addEventListener("click", function () {
    stageSelect.value = "";
    status.textContent = "";
    goTo(0);
  });
  window.addEventListener("resize", function () { render(current()); });

  push({ kind: "overview", root: null });
  window.chainkg = {
    network: network,
    nodes: nodes,
    edges: edges,
    search: search,
    expand: expand,
    focus: focus,
    back: back,
    showPath: showPath,
    showAnswered: showAnswered,
    svg: svgText,
    png: pngData,
    view: current,
    visibleIds: function () { return nodes.getIds(); },
    fontSize: FONT
  };
})();
