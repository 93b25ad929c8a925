// The premises register's traffic-light map (/powers/premises): the named boundaries as the
// base layer (readable with no tile server), premises seen in full as red, amber and green
// dots, and the wards of premises whose position is not shared, shaded by their worst band.
// Data comes from the page's JSON twin (data-src); the shared map code is maps.js; no inline
// script (the CSP forbids it).
const COLOURS = { red: "#d4351c", amber: "#f47738", green: "#00703c" };

async function draw(el) {
  const { escape } = SaraMaps;
  const loaded = await SaraMaps.load(el, "The map could not be loaded: the table below has every premises.");
  if (!loaded) return;
  const data = loaded.map;
  const map = SaraMaps.create(el);
  const areas = SaraMaps.boundaries(data.areas).addTo(map);
  SaraMaps.label(map, data.areas);
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
if (el && window.L && typeof SaraMaps === "object") draw(el);
