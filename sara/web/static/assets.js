// The maps of asset mapping: the services map (/assets: the loaded boundaries beneath, each
// service with an address as a dot, the areas services say they serve as blue outlines, each
// with a popup linking the service), the place picker of the service form (/assets/new and
// /assets/{id}: a click fills in the longitude and latitude fields), and the gaps map
// (/assets/gaps: the district's wards, red where there is no provision of the kind shown, each
// labelled with its open problems). Data from the pages' JSON twins (data-src); shared map code
// is maps.js; no inline script (the CSP forbids it).
const { escape } = SaraMaps;

function fit(map, layers) {
  const bounds = L.latLngBounds([]);
  layers.forEach((layer) => {
    const b = layer.getBounds();
    if (b.isValid()) bounds.extend(b);
  });
  if (bounds.isValid()) map.fitBounds(bounds.pad(0.05), { maxZoom: 15 });
  else map.setView([53.23, -1.29], 11);
}

function serviceLink(s) {
  return `<a href="/assets/${encodeURIComponent(s.id)}">${escape(s.name)}</a>`;
}

// The boundaries' names in a pane beneath the services, so a label never hides a dot.
function labelBeneath(map, areas) {
  if (!map.getPane("saraLabels")) map.createPane("saraLabels").style.zIndex = 350;
  areas.features.forEach((f) => {
    if (!f.properties.name) return;
    const centre = L.geoJSON(f).getBounds().getCenter();
    L.tooltip({ permanent: true, direction: "center", className: "sara-map-label", pane: "saraLabels" }).setLatLng(centre).setContent(escape(f.properties.name)).addTo(map);
  });
}

async function drawServices(el) {
  const data = await SaraMaps.load(el, "The map could not be loaded: the table below lists every service.");
  if (!data) return;
  const map = SaraMaps.create(el, { zoomSnap: 0.25 });
  const base = SaraMaps.boundaries(data.boundaries).addTo(map);
  const areas = L.geoJSON(data.areas, {
    style: (f) => ({ color: "#1d70b8", weight: 2, dashArray: "6 4", fillOpacity: f.properties.kind === "district" ? 0 : 0.08 }),
    onEachFeature: (f, layer) => {
      const p = f.properties;
      layer.bindPopup(`<strong>${escape(p.name)}</strong> (${escape(p.kind)})<br>${p.services.map(serviceLink).join("<br>")}`);
    },
  }).addTo(map);
  // Services at one address share one dot, whose popup lists them all.
  const at = new Map();
  data.points.features.forEach((f) => {
    const key = f.geometry.coordinates.join(",");
    if (!at.has(key)) at.set(key, { type: "Feature", geometry: f.geometry, properties: { services: [] } });
    at.get(key).properties.services.push(f.properties);
  });
  const points = L.geoJSON({ type: "FeatureCollection", features: [...at.values()] }, {
    pointToLayer: (f, latlng) => L.circleMarker(latlng, { radius: 8, color: "#0b0c0c", weight: 2, fillColor: "#00703c", fillOpacity: 1 }),
    onEachFeature: (f, layer) => {
      const services = f.properties.services;
      layer.bindPopup(services.map((p) => `${serviceLink(p)}<br>${escape(p.provider)}: ${escape(p.kinds.join(", "))}${p.opening ? `<br>${escape(p.opening)}` : ""}`).join("<hr>"));
      layer.bindTooltip(services.map((p) => escape(p.name)).join("<br>"));
    },
  }).addTo(map);
  const local = L.geoJSON({ type: "FeatureCollection", features: data.areas.features.filter((f) => f.properties.kind !== "district") });
  fit(map, points.getLayers().length || local.getLayers().length ? [points, local] : [areas, base]);
  labelBeneath(map, data.boundaries);
}

function drawPicker(el) {
  const lon = document.getElementById("lon");
  const lat = document.getElementById("lat");
  const map = SaraMaps.create(el, { zoomSnap: 0.25 });
  let marker = null;
  const place = () => {
    const x = parseFloat(lon.value);
    const y = parseFloat(lat.value);
    if (!Number.isFinite(x) || !Number.isFinite(y)) return false;
    if (marker) marker.setLatLng([y, x]);
    else marker = L.circleMarker([y, x], { radius: 8, color: "#0b0c0c", weight: 2, fillColor: "#00703c", fillOpacity: 1 }).addTo(map);
    return true;
  };
  SaraMaps.load(el, "The map could not be loaded: type the longitude and latitude below.").then((data) => {
    if (!data) return;
    const base = SaraMaps.boundaries(data.boundaries).addTo(map);
    labelBeneath(map, data.boundaries);
    if (place()) map.setView(marker.getLatLng(), 14);
    else fit(map, [base]);
  });
  map.setView([53.23, -1.29], 11);
  map.on("click", (e) => {
    lon.value = e.latlng.lng.toFixed(5);
    lat.value = e.latlng.lat.toFixed(5);
    place();
  });
  [lon, lat].forEach((input) => input.addEventListener("input", place));
}

async function drawGaps(el) {
  const data = await SaraMaps.load(el, "The map could not be loaded: the table below has every ward.");
  if (!data) return;
  const map = SaraMaps.create(el, { zoomSnap: 0.25 });
  const what = (data.kind_label || "provision").toLowerCase();
  const areas = L.geoJSON(data, {
    style: (f) => ({ color: "#505a5f", weight: 1, fillColor: f.properties.services ? "#00703c" : "#d4351c", fillOpacity: f.properties.services ? 0.35 : 0.55 }),
    onEachFeature: (f, layer) => {
      const p = f.properties;
      const problems = `${p.open_problems} open problem${p.open_problems === 1 ? "" : "s"}`;
      layer.bindTooltip(`${escape(p.name)}: ${p.services ? `${p.services} service${p.services === 1 ? "" : "s"} of ${escape(what)}` : `no ${escape(what)}`}; ${problems}`);
    },
  }).addTo(map);
  fit(map, [areas]);
  // Named on the map: the areas with open problems (every area's name is in its tooltip and the table).
  data.features.filter((f) => f.properties.open_problems).forEach((f) => {
    const p = f.properties;
    const centre = L.geoJSON(f).getBounds().getCenter();
    L.tooltip({ permanent: true, direction: "center", className: "sara-map-label" }).setLatLng(centre).setContent(escape(`${p.name}: ${p.open_problems} open`)).addTo(map);
  });
}

if (window.L && typeof SaraMaps === "object") {
  const services = document.getElementById("assets-map");
  const picker = document.getElementById("pick-map");
  const gaps = document.getElementById("gaps-map");
  if (services) drawServices(services);
  if (picker) drawPicker(picker);
  if (gaps) drawGaps(gaps);
}
