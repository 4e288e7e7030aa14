// Chain map behaviour: draw, search by Chinese name, filter by type and stage, highlight
// neighbours on click. window.chainkg is the handle tests and bench/viz.py use.
(function () {
  "use strict";
  var data = window.chainkgData;
  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var network = new vis.Network(
    document.getElementById("chain"), { nodes: nodes, edges: edges }, data.options
  );
  var byId = {};
  data.nodes.forEach(function (n) { byId[n.id] = n; });
  var DIM_COLOR = "#e4e7eb";
  var DIM_FONT = "#b8c0c8";
  var highlighted = null;
  var status = document.getElementById("search-status");
  var stageSelect = document.getElementById("stage-filter");
  var typeBoxes = Array.prototype.slice.call(document.querySelectorAll(".type-filter"));

  network.once("afterDrawing", function () {
    window.chainkgDrawnAt = performance.now();
  });

  function restore(id) {
    var n = byId[id];
    return { id: id, color: n.color, font: n.font };
  }

  function highlight(id) {
    var keep = {};
    keep[id] = true;
    network.getConnectedNodes(id).forEach(function (other) { keep[other] = true; });
    nodes.update(data.nodes.map(function (n) {
      if (keep[n.id]) { return restore(n.id); }
      return { id: n.id, color: DIM_COLOR, font: { color: DIM_FONT, face: n.font.face } };
    }));
    highlighted = id;
  }

  function clearHighlight() {
    if (highlighted === null) { return; }
    nodes.update(data.nodes.map(function (n) { return restore(n.id); }));
    highlighted = null;
  }

  function visibleIds() {
    return nodes.getIds({ filter: function (n) { return !n.hidden; } });
  }

  function applyFilters() {
    var types = {};
    typeBoxes.forEach(function (box) { types[box.value] = box.checked; });
    var stage = stageSelect.value;
    nodes.update(data.nodes.map(function (n) {
      var show = types[n.ntype] && (!stage || n.stages.indexOf(stage) >= 0);
      // One stage alone is laid out on its own (positions computed with the page).
      var at = stage && n.at[stage] ? n.at[stage] : [n.x, n.y];
      return { id: n.id, hidden: !show, x: at[0], y: at[1] };
    }));
    clearHighlight();
    network.unselectAll();
    var shown = visibleIds();
    if (shown.length) { network.fit({ nodes: shown, animation: false }); }
    return shown.length;
  }

  function search(text) {
    var needle = (text || "").trim();
    if (!needle) { status.textContent = ""; return null; }
    var candidates = nodes.get({ filter: function (n) { return !n.hidden; } });
    var hit = null;
    candidates.forEach(function (n) { if (!hit && n.label === needle) { hit = n; } });
    candidates.forEach(function (n) {
      if (!hit && n.label.indexOf(needle) >= 0) { hit = n; }
    });
    if (!hit) {
      status.textContent = "未找到“" + needle + "”";
      return null;
    }
    network.selectNodes([hit.id]);
    highlight(hit.id);
    // Show the node with its neighbours, close enough to read their names.
    var around = [hit.id].concat(network.getConnectedNodes(hit.id).filter(function (id) {
      return !nodes.get(id).hidden;
    }));
    network.fit({ nodes: around, maxZoomLevel: 1.2, animation: false });
    status.textContent = "已定位：" + hit.label;
    return hit.id;
  }

  network.on("click", function (params) {
    if (params.nodes.length) { highlight(params.nodes[0]); } else { clearHighlight(); }
  });
  document.getElementById("search").addEventListener("submit", function (event) {
    event.preventDefault();
    search(document.getElementById("search-input").value);
  });
  stageSelect.addEventListener("change", applyFilters);
  typeBoxes.forEach(function (box) { box.addEventListener("change", applyFilters); });
  document.getElementById("reset").addEventListener("click", function () {
    stageSelect.value = "";
    typeBoxes.forEach(function (box) { box.checked = !box.disabled; });
    applyFilters();
    status.textContent = "";
  });

  network.fit({ animation: false });
  window.chainkg = {
    network: network,
    nodes: nodes,
    edges: edges,
    search: search,
    applyFilters: applyFilters,
    highlight: highlight,
    visibleIds: visibleIds,
    highlighted: function () { return highlighted; }
  };
})();
