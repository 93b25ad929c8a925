// The Explore map: the loaded areas as the base layer (named), the map's cells over them
// (Gi* classes, emerging categories, density or counts), a legend, and a tile layer when
// SARA is given a tile server. Everything comes from data-* attributes and SARA's own API:
// no inline script or style (the Content-Security-Policy forbids them).
/* global L */
(function () {
  "use strict";

  const SHADES = ["#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"];
  const QUIET = { gistar: ["class", "not significant"], emerging: ["category", "no pattern detected"] };
  const VALUE = { kde: ["density", "events per km²"], counts: ["n", "events per cell"] };

  function number(v, digits) {
    if (v === null || v === undefined) return "–";
    return typeof v === "number" ? v.toLocaleString("en-GB", { maximumFractionDigits: digits === undefined ? 1 : digits }) : String(v);
  }

  function text(tag, content, className) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    el.textContent = content;
    return el;
  }

  function breaks(values) {
    const sorted = values.filter((v) => v > 0).sort((a, b) => a - b);
    if (!sorted.length) return [];
    return [0.2, 0.4, 0.6, 0.8].map((q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
  }

  function shadeOf(value, cuts) {
    let i = 0;
    while (i < cuts.length && value > cuts[i]) i += 1;
    return SHADES[i];
  }

  function legend(map, rows, title) {
    const control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      const box = L.DomUtil.create("div", "sara-legend");
      box.appendChild(text("strong", title));
      rows.forEach(([colour, label]) => {
        const line = L.DomUtil.create("div", "", box);
        const swatch = L.DomUtil.create("i", "", line);
        swatch.style.background = colour;
        line.appendChild(document.createTextNode(label));
      });
      return box;
    };
    control.addTo(map);
  }

  function cellTip(p, layer) {
    const where = [p.ward, p.lsoa].filter(Boolean).join(", ") || "outside the loaded areas";
    const parts = [where, `${number(p.n, 0)} events`];
    if (layer === "gistar") parts.push(`${p.class} (z ${number(p.z, 2)})`);
    if (layer === "emerging") parts.push(p.category);
    if (layer === "kde") parts.push(`${number(p.density)} events per km²`);
    return parts.join(" · ");
  }

  function drawCells(map, data, layer, colours) {
    const quiet = QUIET[layer];
    const features = data.features.filter((f) => !quiet || f.properties[quiet[0]] !== quiet[1]);
    let colourOf;
    let rows;
    if (quiet) {
      colourOf = (p) => colours[p[quiet[0]]] || "#999999";
      const seen = new Set(features.map((f) => f.properties[quiet[0]]));
      rows = Object.keys(colours).filter((k) => seen.has(k)).map((k) => [colours[k], k]);
    } else {
      const [key, label] = VALUE[layer];
      const cuts = breaks(features.map((f) => f.properties[key] || 0));
      colourOf = (p) => shadeOf(p[key] || 0, cuts);
      const edges = [0, ...cuts];
      legend(map, edges.map((e, i) => [SHADES[i], i < cuts.length ? `${number(e)} to ${number(cuts[i])}` : `over ${number(e)}`]), label);
      rows = null;
    }
    L.geoJSON({ type: "FeatureCollection", features }, {
      style: (f) => ({ color: "#0b0c0c", weight: 0.3, fillColor: colourOf(f.properties), fillOpacity: 0.75 }),
      onEachFeature: (f, l) => l.bindTooltip(cellTip(f.properties, layer), { sticky: true }),
    }).addTo(map);
    if (rows) legend(map, rows.length ? rows : [["#f7f7f7", "no cell stands out"]], layer === "gistar" ? "Gi* hot and cold spots" : "Emerging hot spots");
  }

  // An area is named on the map when its name fits inside it at this zoom; else on hover.
  function label(map, base) {
    base.eachLayer((l) => {
      const b = l.getBounds();
      const width = map.latLngToContainerPoint(b.getNorthEast()).x - map.latLngToContainerPoint(b.getSouthWest()).x;
      const fits = width > l.feature.properties.name.length * 7 + 12;
      if (fits === l.saraLabelled) return;
      l.unbindTooltip();
      l.bindTooltip(l.feature.properties.name, fits ? { permanent: true, direction: "center", className: "sara-map-label" } : { sticky: true });
      l.saraLabelled = fits;
    });
  }

  function drawAreas(map, data) {
    const plain = data.features.filter((f) => !f.properties.chosen);
    const base = L.geoJSON({ type: "FeatureCollection", features: plain }, {
      style: { color: "#505a5f", weight: 1, fillColor: "#ffffff", fillOpacity: 0.6 },
    }).addTo(map);
    const chosen = data.features.filter((f) => f.properties.chosen);
    const outline = chosen.length ? L.geoJSON(chosen, { style: { color: "#0b0c0c", weight: 3, fill: false }, interactive: false }).addTo(map) : null;
    const bounds = (outline || base).getBounds();
    map.invalidateSize();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10] });
    label(map, base);
    map.on("zoomend", () => label(map, base));
  }

  function start() {
    const el = document.getElementById("explore-map");
    if (!el || typeof L === "undefined") return;
    const map = L.map(el, { zoomSnap: 0.25, preferCanvas: false }).setView([53.1, -1.5], 9);
    if (el.dataset.tileUrl) {
      L.tileLayer(el.dataset.tileUrl, { maxZoom: 19, attribution: `Tiles: ${new URL(el.dataset.tileUrl.replace("{s}", "a"), location.href).host}` }).addTo(map);
    }
    const colours = JSON.parse(el.dataset.colours || "{}");
    fetch(el.dataset.areasUrl, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`areas: ${r.status}`))))
      .then((data) => {
        drawAreas(map, data);
        el.dataset.areasDrawn = String(data.features.length);
        if (!el.dataset.cellsUrl) return null;
        return fetch(el.dataset.cellsUrl, { credentials: "same-origin" })
          .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`cells: ${r.status}`))))
          .then((cells) => {
            drawCells(map, cells, el.dataset.layer, colours);
            el.dataset.cellsDrawn = String(cells.features.length);
          });
      })
      .catch((e) => {
        el.dataset.failed = e.message;
        el.parentNode.insertBefore(text("p", "The map could not be drawn: the tables still hold every figure.", "govuk-error-message"), el);
      });
  }

  function swatches() {
    document.querySelectorAll(".sara-swatch[data-colour]").forEach((s) => { s.style.background = s.dataset.colour; });
  }

  // A refused setting comes back as 422 with the field marked: show it in its tab.
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  start();
  swatches();
})();
