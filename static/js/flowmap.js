// Draws the flow map: services as boxes, one arrow per producer → consumer of each flow, laid out by
// ELK's layered algorithm (static/vendor/elk, fetched by this page only) with orthogonal edges routed
// around the boxes and a label on each. Pan with the mouse or the arrow keys, zoom with the wheel,
// the buttons or + and -, and highlight a team or a service with its neighbours. The server renders
// the same flows as a table, which is the map without JavaScript.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var canvas = document.getElementById("flow-map");
  var data = document.getElementById("flow-map-data");
  if (!canvas || !data) return;
  var graph = JSON.parse(data.textContent);
  if (!graph.nodes.length) return;

  function element(name, attributes, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attributes || {}).forEach(function (key) { node.setAttribute(key, attributes[key]); });
    if (parent) parent.appendChild(node);
    return node;
  }

  function textWidth(text, size) { return Math.ceil(text.length * size * 0.58) + 4; }

  function layout() {
    var elk = new window.ELK();
    return elk.layout({
      id: "root",
      layoutOptions: {
        "elk.algorithm": "layered",
        "elk.direction": "DOWN",
        "elk.edgeRouting": "ORTHOGONAL",
        "elk.layered.spacing.nodeNodeBetweenLayers": "70",
        "elk.layered.spacing.edgeNodeBetweenLayers": "22",
        "elk.spacing.nodeNode": "34",
        "elk.spacing.edgeNode": "20",
        "elk.spacing.edgeEdge": "12",
        "elk.spacing.edgeLabel": "4",
        "elk.layered.nodePlacement.strategy": "NETWORK_SIMPLEX",
        "elk.edgeLabels.placement": "CENTER",
        "elk.layered.edgeLabels.sideSelection": "SMART_UP"
      },
      children: graph.nodes.map(function (node) {
        return { id: node.id, width: Math.max(textWidth(node.name, 13), textWidth(node.team, 11)) + 20, height: 44 };
      }),
      edges: graph.edges.map(function (edge) {
        var label = edge.flow + " (" + edge.style + ")";
        return { id: edge.id, sources: [edge.source], targets: [edge.target],
                 labels: [{ text: label, width: textWidth(label, 11), height: 14 }] };
      })
    });
  }

  function draw(laid) {
    var byId = {};
    graph.nodes.forEach(function (node) { byId[node.id] = node; });
    var edges = {};
    graph.edges.forEach(function (edge) { edges[edge.id] = edge; });
    var width = Math.ceil(laid.width) + 20, height = Math.ceil(laid.height) + 20;
    var svg = element("svg", { "class": "flow-map", role: "group", tabindex: "0", "aria-labelledby": "map-title map-keys",
                               width: "100%", height: Math.min(height, 720), "data-width": width, "data-height": height });
    element("title", { id: "map-svg-title" }, svg).textContent = "Flow map";
    var defs = element("defs", {}, svg);
    ["command", "event", "sync", "undecided"].forEach(function (style) {
      var marker = element("marker", { id: "arrow-" + style, viewBox: "0 0 10 10", refX: "10", refY: "5",
                                        markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" }, defs);
      element("path", { d: "M 0 0 L 10 5 L 0 10 z", "class": "arrow arrow-" + style }, marker);
    });
    var view = element("g", { "class": "viewport" }, svg);
    var edgeLayer = element("g", { "class": "edges" }, view);
    var nodeLayer = element("g", { "class": "nodes" }, view);
    (laid.edges || []).forEach(function (laidEdge) {
      var edge = edges[laidEdge.id];
      var link = element("a", { href: edge.url, "class": "map-edge-link", "data-source": edge.source,
                                "data-target": edge.target }, edgeLayer);
      element("title", {}, link).textContent = edge.flow + ": " + byId[edge.source].name + " → " +
        byId[edge.target].name + ", " + edge.style + (edge.decision ? ", decided in " + edge.decision : "");
      (laidEdge.sections || []).forEach(function (section) {
        var points = [section.startPoint].concat(section.bendPoints || [], [section.endPoint]);
        var d = points.map(function (p, i) { return (i ? "L " : "M ") + (p.x + 10) + " " + (p.y + 10); }).join(" ");
        element("path", { d: d, "class": "edge edge-" + edge.style, "marker-end": "url(#arrow-" + edge.style + ")",
                          "data-points": JSON.stringify(points.map(function (p) { return [p.x + 10, p.y + 10]; })) }, link);
      });
      (laidEdge.labels || []).forEach(function (label) {
        element("rect", { x: label.x + 8, y: label.y + 8, width: label.width + 4, height: label.height + 4,
                          "class": "edge-label-bg" }, link);
        element("text", { x: label.x + 10, y: label.y + 10 + 11, "class": "edge-label" }, link).textContent = label.text;
      });
    });
    (laid.children || []).forEach(function (laidNode) {
      var node = byId[laidNode.id];
      var link = element("a", { href: node.url, "class": "map-node-link", "data-node": node.id, "data-team": node.team },
                         nodeLayer);
      element("title", {}, link).textContent = node.name + " (" + node.team + ")";
      element("rect", { x: laidNode.x + 10, y: laidNode.y + 10, width: laidNode.width, height: laidNode.height, rx: "5",
                        "class": "map-node" }, link);
      element("text", { x: laidNode.x + 20, y: laidNode.y + 28, "class": "map-label" }, link).textContent = node.name;
      element("text", { x: laidNode.x + 20, y: laidNode.y + 44, "class": "map-team" }, link).textContent = node.team;
    });
    canvas.textContent = "";
    canvas.appendChild(svg);
    canvas.setAttribute("aria-busy", "false");
    return { svg: svg, view: view, width: width, height: height };
  }

  function controls(map) {
    var scale = 1, x = 0, y = 0;
    function apply() { map.view.setAttribute("transform", "translate(" + x + " " + y + ") scale(" + scale + ")"); }
    function fit() {
      var box = map.svg.getBoundingClientRect();
      scale = Math.min(1, box.width / map.width, box.height / map.height);
      x = Math.max(0, (box.width - map.width * scale) / 2); y = 0; apply();
    }
    function zoom(factor, cx, cy) {
      var next = Math.max(0.2, Math.min(3, scale * factor));
      x = cx - (cx - x) * (next / scale); y = cy - (cy - y) * (next / scale); scale = next; apply();
    }
    function centre() { var box = map.svg.getBoundingClientRect(); return [box.width / 2, box.height / 2]; }
    map.svg.addEventListener("wheel", function (event) {
      event.preventDefault();
      var box = map.svg.getBoundingClientRect();
      zoom(event.deltaY < 0 ? 1.15 : 1 / 1.15, event.clientX - box.left, event.clientY - box.top);
    }, { passive: false });
    var drag = null;
    map.svg.addEventListener("pointerdown", function (event) {
      if (event.target.closest("a")) return;
      drag = { x: event.clientX - x, y: event.clientY - y };
      map.svg.setPointerCapture(event.pointerId);
    });
    map.svg.addEventListener("pointermove", function (event) {
      if (!drag) return;
      x = event.clientX - drag.x; y = event.clientY - drag.y; apply();
    });
    map.svg.addEventListener("pointerup", function () { drag = null; });
    map.svg.addEventListener("keydown", function (event) {
      var step = 40, c = centre();
      var moves = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
      if (moves[event.key]) { x += moves[event.key][0]; y += moves[event.key][1]; apply(); }
      else if (event.key === "+" || event.key === "=") zoom(1.2, c[0], c[1]);
      else if (event.key === "-") zoom(1 / 1.2, c[0], c[1]);
      else if (event.key === "0") fit();
      else return;
      event.preventDefault();
    });
    document.getElementById("map-zoom-in").addEventListener("click", function () { var c = centre(); zoom(1.25, c[0], c[1]); });
    document.getElementById("map-zoom-out").addEventListener("click", function () { var c = centre(); zoom(0.8, c[0], c[1]); });
    document.getElementById("map-fit").addEventListener("click", fit);
    fit();
  }

  function highlighting(map) {
    var pick = document.getElementById("map-highlight");
    var find = document.getElementById("map-find");
    var nodes = Array.prototype.slice.call(map.svg.querySelectorAll(".map-node-link"));
    var links = Array.prototype.slice.call(map.svg.querySelectorAll(".map-edge-link"));
    var status = document.getElementById("map-status");
    function show(chosen, what) {
      if (!chosen) {
        map.svg.classList.remove("focused");
        nodes.concat(links).forEach(function (item) { item.classList.remove("lit"); });
        status.textContent = "";
        return;
      }
      var lit = {};
      Object.keys(chosen).forEach(function (id) { lit[id] = true; });
      links.forEach(function (link) {
        var touches = chosen[link.dataset.source] || chosen[link.dataset.target];
        link.classList.toggle("lit", !!touches);
        if (touches) { lit[link.dataset.source] = true; lit[link.dataset.target] = true; }
      });
      nodes.forEach(function (node) { node.classList.toggle("lit", !!lit[node.dataset.node]); });
      map.svg.classList.add("focused");
      status.textContent = what + ": " + Object.keys(lit).length + " services highlighted with their flows.";
    }
    pick.addEventListener("change", function () {
      var value = pick.value, chosen = null;
      if (value.indexOf("team:") === 0) {
        chosen = {};
        nodes.forEach(function (node) { if (node.dataset.team === value.slice(5)) chosen[node.dataset.node] = true; });
      } else if (value) {
        chosen = {}; chosen[value] = true;
      }
      find.value = "";
      show(chosen, pick.options[pick.selectedIndex].text);
    });
    find.addEventListener("input", function () {
      var words = find.value.trim().toLowerCase(), chosen = {};
      if (!words) { show(null); return; }
      graph.nodes.forEach(function (node) { if (node.name.toLowerCase().indexOf(words) !== -1) chosen[node.id] = true; });
      pick.value = "";
      show(Object.keys(chosen).length ? chosen : null, "“" + find.value.trim() + "”");
      if (!Object.keys(chosen).length) status.textContent = "No service is called “" + find.value.trim() + "”.";
    });
  }

  var script = document.createElement("script");
  script.src = canvas.getAttribute("data-elk");
  script.onload = function () {
    layout().then(function (laid) {
      var map = draw(laid);
      document.getElementById("map-tools").hidden = false;
      controls(map);
      highlighting(map);
    }, function () {
      canvas.textContent = "The map could not be drawn; the table below lists every flow.";
    });
  };
  document.head.appendChild(script);
})();
