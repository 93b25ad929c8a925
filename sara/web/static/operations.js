// The new site form's map (/operations/{name}/sites/new): the loaded boundaries around the
// operation as the base layer (readable with no tile server), its other sites in grey, and a
// click to place the new site's centre, which fills in the latitude and longitude fields and
// draws the radius typed. The fields work without it; the shared map code is maps.js; no
// inline script (the CSP forbids it).
async function draw(el) {
  const { escape } = SaraMaps;
  const data = await SaraMaps.load(el, "The map could not be loaded: type the site's latitude and longitude below.");
  if (!data) return null;
  const map = SaraMaps.create(el, { zoomSnap: 0.25 });
  // Circles are sized in metres, so the map needs its view before any layer is added.
  const areas = SaraMaps.boundaries(data.areas);
  const sites = L.geoJSON(data.sites, {
    pointToLayer: (f, latlng) => L.circle(latlng, { radius: f.properties.radius_m, color: "#505a5f", weight: 2, fillOpacity: 0.15 }),
    style: { color: "#505a5f", weight: 2, fillOpacity: 0.15 },
    onEachFeature: (f, layer) => layer.bindTooltip(escape(f.properties.name)),
  });
  const around = L.latLngBounds([]);
  data.sites.features.forEach((f) => {
    if (f.geometry.type === "Point") {
      const [x, y] = f.geometry.coordinates;
      const d = (f.properties.radius_m || 100) / 111000;
      around.extend([[y - d, x - d / Math.cos((y * Math.PI) / 180)], [y + d, x + d / Math.cos((y * Math.PI) / 180)]]);
    } else around.extend(L.geoJSON(f).getBounds());
  });
  const bounds = around.isValid() ? around : areas.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds.pad(around.isValid() ? 0.8 : 0.1), { maxZoom: 17 });
  else map.setView([53.0, -1.5], 9);
  areas.addTo(map);
  SaraMaps.label(map, data.areas);
  sites.addTo(map);

  const lat = document.getElementById("lat");
  const lon = document.getElementById("lon");
  const radius = document.getElementById("radius_m");
  let chosen = null;
  function place() {
    const y = parseFloat(lat.value);
    const x = parseFloat(lon.value);
    const r = parseFloat(radius.value);
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    const at = L.latLng(y, x);
    const size = Number.isFinite(r) && r > 0 ? r : 10;
    if (chosen) chosen.setLatLng(at).setRadius(size);
    else chosen = L.circle(at, { radius: size, color: "#1d70b8", weight: 3, fillOpacity: 0.25 }).bindTooltip("The new site").addTo(map);
  }
  map.on("click", (e) => {
    lat.value = e.latlng.lat.toFixed(5);
    lon.value = e.latlng.lng.toFixed(5);
    place();
  });
  [lat, lon, radius].forEach((input) => input.addEventListener("input", place));
  place();
  return map;
}

// Only the fields of the kind of place chosen show (all show without this script).
function chooseWhere(map) {
  const radios = document.querySelectorAll("input[name=where]");
  function show() {
    const chosen = document.querySelector("input[name=where]:checked")?.value;
    document.querySelectorAll("[data-where]").forEach((block) => {
      block.hidden = Boolean(chosen) && block.dataset.where !== chosen;
    });
    map?.invalidateSize();
  }
  radios.forEach((r) => r.addEventListener("change", show));
  show();
}

const el = document.getElementById("site-map");
if (el && window.L && typeof SaraMaps === "object") draw(el).then(chooseWhere);
else if (document.getElementById("site-form")) chooseWhere(null);
