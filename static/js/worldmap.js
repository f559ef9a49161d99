/* metroplan world map: an SVG drawn from Natural Earth country shapes
   (world-atlas countries-110m.json, served by the site itself) with an
   equirectangular projection, and the members as circles at their coordinates,
   coloured by compliance. No map-tile server, nothing from the internet.
   Markup: <div id=... class="world-map" data-world="URL" data-members="JSON-ID">. */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var WIDTH = 960, TOP = 84, BOTTOM = -58;            // latitudes shown (no Antarctica)
  var HEIGHT = Math.round(WIDTH * (TOP - BOTTOM) / 360);

  function project(lon, lat) {
    return [(lon + 180) / 360 * WIDTH, (TOP - lat) / (TOP - BOTTOM) * HEIGHT];
  }

  function ringPath(ring) {
    var d = "", previous = null;
    ring.forEach(function (point) {
      var xy = project(point[0], point[1]);
      // Start a new sub-path where a ring jumps across the antimeridian.
      var jump = previous === null || Math.abs(point[0] - previous) > 180;
      d += (jump ? "M" : "L") + xy[0].toFixed(1) + "," + xy[1].toFixed(1);
      previous = point[0];
    });
    return d + "Z";
  }

  function geometryPath(geometry) {
    if (!geometry) { return ""; }
    var polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    return polygons.map(function (polygon) { return polygon.map(ringPath).join(""); }).join("");
  }

  function el(name, attrs) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    return node;
  }

  function draw(container, topology, members) {
    var svg = el("svg", { viewBox: "0 0 " + WIDTH + " " + HEIGHT, class: "world-map-svg", focusable: "false" });
    svg.setAttribute("role", "group");
    svg.setAttribute("aria-label", container.dataset.label || "");
    var land = el("g", { class: "land" });
    var countries = topojson.feature(topology, topology.objects.countries).features;
    countries.forEach(function (feature) {
      if (feature.id === "010") { return; }  // Antarctica
      land.appendChild(el("path", { d: geometryPath(feature.geometry) }));
    });
    svg.appendChild(land);
    var dots = el("g", { class: "members" });
    members.forEach(function (m) {
      // One circle per square of the map, coloured by its members' rate: its area grows with them.
      var xy = project(m.lon, m.lat);
      var circle = el("circle", {
        cx: xy[0].toFixed(1), cy: xy[1].toFixed(1), r: (3 + 2 * Math.sqrt(m.members || 1)).toFixed(1),
        class: "band-" + m.band
      });
      var title = el("title");
      title.textContent = m.label;
      circle.appendChild(title);
      dots.appendChild(circle);
    });
    svg.appendChild(dots);
    container.appendChild(svg);
    container.setAttribute("data-drawn", String(members.length));
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll(".world-map[data-world]"), function (container) {
      var node = document.getElementById(container.dataset.members);
      var members = node ? JSON.parse(node.textContent) : [];
      fetch(container.dataset.world, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error("map data: HTTP " + response.status); }
          return response.json();
        })
        .then(function (topology) { draw(container, topology, members); })
        .catch(function (error) {
          container.textContent = container.dataset.label || "";
          console.warn(error);
        });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
