// The map of a tag trail comparison (/tags): each crime hit as a red ring named by its reference
// and a red circle of the comparison's distance, the trail fixes that hit it as blue points, tooltips naming them. The data is the
// page's own (data-map: the comparison was audited once, so the map does not ask again); the
// table under it says the same. Shared map code: maps.js; no inline script (the CSP forbids it).
function draw(el) {
  const { escape } = SaraMaps;
  const data = JSON.parse(el.dataset.map);
  const map = SaraMaps.create(el, { zoomSnap: 0.25 });
  const bounds = L.latLngBounds([]);
  data.crimes.forEach((c) => bounds.extend([c.lat, c.lon]));
  data.points.forEach((p) => bounds.extend([p.lat, p.lon]));
  if (!bounds.isValid()) {
    el.textContent = "No places to map: the table below lists the hits.";
    return;
  }
  map.fitBounds(bounds.pad(0.5), { maxZoom: 17 });
  data.crimes.forEach((c) => {
    L.circle([c.lat, c.lon], { radius: data.metres, color: "#d4351c", weight: 2, fillOpacity: 0.1 }).bindTooltip(escape(c.label)).addTo(map);
    // Seen at any zoom, and named, so the map reads with no tiles behind it.
    L.circleMarker([c.lat, c.lon], { radius: 7, color: "#d4351c", weight: 3, fill: false }).bindTooltip(escape(c.ref), { permanent: true, direction: "right", className: "sara-map-label" }).addTo(map);
  });
  data.points.forEach((p) => {
    L.circleMarker([p.lat, p.lon], { radius: 5, color: "#1d70b8", weight: 2, fillOpacity: 0.8 }).bindTooltip(escape(p.label)).addTo(map);
  });
}

const el = document.getElementById("tags-map");
if (el && window.L && typeof SaraMaps === "object") draw(el);
