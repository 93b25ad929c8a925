// What the pages' Leaflet maps share (the premises register, /powers/premises, and the new
// site form, /operations/{name}/sites/new): their data read from the page's JSON twin
// (data-src), a map whose base layer is the named boundaries (readable with no tile server;
// tiles only when data-tiles names one) and the boundaries' names as labels. Loaded before
// the page's own script, after Leaflet; no inline script (the CSP forbids it).
const SaraMaps = (() => {
  function escape(text) {
    const span = document.createElement("span");
    span.textContent = String(text ?? "");
    return span.innerHTML;
  }

  // The JSON of el's data-src, or null with `failure` said in the map's place.
  async function load(el, failure) {
    const response = await fetch(el.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) {
      el.textContent = failure;
      return null;
    }
    return response.json();
  }

  function create(el, options = {}) {
    const map = L.map(el, { scrollWheelZoom: false, keyboard: true, attributionControl: Boolean(el.dataset.tiles), ...options });
    if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: "Map tiles" }).addTo(map);
    return map;
  }

  // The boundaries as grey outlines, not yet on a map (a map of circles needs its view first).
  function boundaries(areas) {
    return L.geoJSON(areas, { style: { color: "#505a5f", weight: 1.5, fill: false }, interactive: false });
  }

  // Each named boundary's name at its centre, so the map reads without tiles.
  function label(map, areas) {
    areas.features.forEach((f) => {
      if (!f.properties.name) return;
      const centre = L.geoJSON(f).getBounds().getCenter();
      L.tooltip({ permanent: true, direction: "center", className: "sara-map-label" }).setLatLng(centre).setContent(escape(f.properties.name)).addTo(map);
    });
  }

  return { escape, load, create, boundaries, label };
})();
