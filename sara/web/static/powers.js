// The premises register's traffic-light map (/powers/premises): the named boundaries as the
// base layer (readable with no tile server), premises seen in full as red, amber and green
// dots, and the wards of premises whose position is not shared, shaded by their worst band.
// Data comes from the page's JSON twin (data-src); no inline script (the CSP forbids it).
const COLOURS = { red: "#d4351c", amber: "#f47738", green: "#00703c" };

function escape(text) {
  const span = document.createElement("span");
  span.textContent = String(text ?? "");
  return span.innerHTML;
}

async function draw(el) {
  const response = await fetch(el.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok) {
    el.textContent = "The map could not be loaded: the table below has every premises.";
    return;
  }
  const data = (await response.json()).map;
  const map = L.map(el, { scrollWheelZoom: false, keyboard: true, attributionControl: Boolean(el.dataset.tiles) });
  if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: "Map tiles" }).addTo(map);
  const areas = L.geoJSON(data.areas, { style: { color: "#505a5f", weight: 1.5, fill: false }, interactive: false }).addTo(map);
  data.areas.features.forEach((f) => {
    if (!f.properties.name) return;
    const centre = L.geoJSON(f).getBounds().getCenter();
    L.tooltip({ permanent: true, direction: "center", className: "sara-map-label" }).setLatLng(centre).setContent(escape(f.properties.name)).addTo(map);
  });
  const wards = L.geoJSON(data.wards, {
    style: (f) => ({ color: COLOURS[f.properties.band] || "#505a5f", weight: 3, fillOpacity: 0.25 }),
    onEachFeature: (f, layer) => {
      const counts = Object.entries(f.properties.counts).map(([band, n]) => `${n} ${band}`).join(", ");
      layer.bindPopup(`<strong>${escape(f.properties.ward)}</strong><br>${escape(counts)} (exact position not shared with you)`);
    },
  }).addTo(map);
  const points = L.geoJSON(data.points, {
    pointToLayer: (f, latlng) => L.circleMarker(latlng, { radius: 9, color: "#0b0c0c", weight: 2, fillColor: COLOURS[f.properties.band] || "#505a5f", fillOpacity: 1 }),
    onEachFeature: (f, layer) => {
      const p = f.properties;
      layer.bindPopup(`<a href="/premises/${encodeURIComponent(p.id)}">${escape(p.address)}</a><br>${escape(p.band)}, score ${escape(p.score)}`);
      layer.bindTooltip(escape(p.address));
    },
  }).addTo(map);
  const bounds = points.getBounds().isValid() ? points.getBounds() : wards.getBounds().isValid() ? wards.getBounds() : areas.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds.pad(0.5), { maxZoom: 15 });
  else map.setView([53.0, -1.5], 9);
}

const el = document.getElementById("premises-map");
if (el && window.L) draw(el);
