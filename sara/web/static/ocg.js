// The SOC local profile's map (/ocg/profile): every ward shaded by its rank of SOC harm (the
// ten most harmful darkest), outlined, a tooltip with its name, rank, harm and the number of
// groups active, the top three named on the map so it reads without tiles. Data from the page's
// JSON twin (data-src: /api/ocg/profile/map, the same version as the page); the table below
// says the same. Shared map code: maps.js; no inline script (the CSP forbids it).
async function draw(el) {
  const { escape } = SaraMaps;
  const data = await SaraMaps.load(el, "The map could not be loaded: the table below ranks every ward.");
  if (!data) return;
  const map = SaraMaps.create(el, { zoomSnap: 0.25 });
  const shade = (rank) => (rank <= 10 ? "#942514" : rank <= 30 ? "#d4351c" : rank <= 60 ? "#f47738" : "#f3f2f1");
  const wards = L.geoJSON(data, {
    style: (f) => ({ color: "#505a5f", weight: 1, fillColor: shade(f.properties.rank), fillOpacity: 0.6 }),
    onEachFeature: (f, layer) => {
      const p = f.properties;
      layer.bindTooltip(`${escape(p.name)}: rank ${p.rank} of ${data.wards}, ${Number(p.harm).toLocaleString("en-GB")} CCHI days, ${p.groups} group${p.groups === 1 ? "" : "s"} active`);
    },
  });
  const bounds = wards.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds, { maxZoom: 14 });
  else map.setView([53.0, -1.5], 9);
  wards.addTo(map);
  SaraMaps.label(map, { features: data.features.filter((f) => f.properties.rank <= 3) });
}

const el = document.getElementById("profile-map");
if (el && window.L && typeof SaraMaps === "object") draw(el);
