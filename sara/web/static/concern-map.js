// The public form's map (/report-a-concern): the areas the partnership covers as outlines (from
// the page's data-src, public boundaries only), and a pin placed by a click or tap that fills the
// form's hidden lon and lat fields. Progressive enhancement: without script the form asks for the
// place in words and the map stays hidden. Shared map code: maps.js; no inline script (the CSP).
async function draw(block, el) {
  const data = await SaraMaps.load(el, "The map could not be loaded: describe the place in words instead.");
  block.hidden = false;
  if (!data) return;
  const lon = document.getElementById("lon");
  const lat = document.getElementById("lat");
  const said = document.getElementById("concern-pin");
  const clear = document.getElementById("concern-pin-clear");
  const map = SaraMaps.create(el, { zoomSnap: 0.25 });
  const areas = SaraMaps.boundaries(data);
  const bounds = areas.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds);
  else map.setView([53.0, -1.5], 9);
  areas.addTo(map);
  SaraMaps.label(map, data);
  let pin = null;
  const shown = (yes) => {
    clear.hidden = !yes;
    clear.style.display = yes ? "" : "none"; // the button's class would show it while hidden
  };
  shown(false);
  function place(latlng) {
    if (pin) pin.setLatLng(latlng);
    else pin = L.circleMarker(latlng, { radius: 9, color: "#d4351c", weight: 3, fillColor: "#d4351c", fillOpacity: 0.5 }).addTo(map);
    lon.value = latlng.lng.toFixed(6);
    lat.value = latlng.lat.toFixed(6);
    said.textContent = `Pin placed at ${lat.value}, ${lon.value}.`;
    shown(true);
  }
  map.on("click", (e) => place(e.latlng));
  clear.addEventListener("click", () => {
    if (pin) map.removeLayer(pin);
    pin = null;
    lon.value = "";
    lat.value = "";
    said.textContent = "No pin placed.";
    shown(false);
  });
  if (lon.value && lat.value && Number.isFinite(Number(lon.value)) && Number.isFinite(Number(lat.value))) {
    place(L.latLng(Number(lat.value), Number(lon.value)));
  }
}

const block = document.getElementById("concern-map-block");
const el = document.getElementById("concern-map");
if (block && el && window.L && typeof SaraMaps === "object") draw(block, el);
