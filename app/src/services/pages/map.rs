//! Where the provider is: a small tile map drawn as SVG (positions are SVG
//! attributes, so the page's style policy needs no exception), the position
//! as text, and — when the customer lets their browser say where they are —
//! the distance and a rough arrival time. The browser side also watches the
//! provider's own position while they share it.

use leptos::prelude::*;

use crate::dates::date_time;
use crate::services::model::Position;

const ZOOM: i32 = 15;
const TILE: f64 = 256.0;
const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 320.0;
/// A rough door-to-door speed in town.
const SPEED_KMH: f64 = 30.0;

/// Web Mercator world pixel of a position at `zoom`.
pub fn world_pixel(lat: f64, lng: f64, zoom: i32) -> (f64, f64) {
    let scale = TILE * 2f64.powi(zoom);
    let lat = lat.clamp(-85.0511, 85.0511).to_radians();
    let x = (lng + 180.0) / 360.0 * scale;
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * scale;
    (x, y)
}

/// Great-circle distance in metres.
pub fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lat2) = (a.0.to_radians(), b.0.to_radians());
    let dlat = lat2 - lat1;
    let dlng = (b.1 - a.1).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlng / 2.0).sin().powi(2);
    2.0 * 6_371_000.0 * h.sqrt().asin()
}

/// `1.2 km away · about 3 min`.
pub fn distance_label(metres: f64) -> String {
    let minutes = ((metres / 1000.0) / SPEED_KMH * 60.0).ceil().max(1.0) as i64;
    let distance = if metres < 1000.0 {
        format!("{} m", (metres / 10.0).round() as i64 * 10)
    } else {
        format!("{:.1} km", metres / 1000.0)
    };
    format!("{distance} away · about {minutes} min")
}

/// The provider's position on a map (when tiles are configured) and as text.
#[component]
pub fn LocationMap(
    #[prop(into)] position: Signal<Option<Position>>,
    tiles: String,
) -> impl IntoView {
    let me = RwSignal::new(None::<(f64, f64)>);
    let asked = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let locate = move |_| {
        asked.set(true);
        locate_once(
            move |lat, lng, _| me.set(Some((lat, lng))),
            move |message| problem.set(Some(message)),
        );
    };
    view! {
        <div class="space-y-2" data-testid="location">
            {move || match position.get() {
                None => view! {
                    <p class="rounded-lg bg-slate-100 px-3 py-2 text-sm text-slate-700">"Waiting for the provider's position…"</p>
                }.into_any(),
                Some(p) => {
                    let map = (!tiles.is_empty()).then(|| view! { <Tiles position=p tiles=tiles.clone() /> });
                    view! {
                        {map}
                        <p class="text-sm text-slate-800" data-testid="position-text">
                            {format!("Provider at {:.5}, {:.5}", p.lat, p.lng)}
                            {(p.accuracy_m > 0).then(|| format!(" (±{} m)", p.accuracy_m))}
                            <span class="text-slate-500">{format!(" · {}", date_time(p.at))}</span>
                        </p>
                        <p class="text-sm font-medium text-slate-900" data-testid="distance">
                            {move || me.get().map(|here| distance_label(distance_m(here, (p.lat, p.lng))))}
                        </p>
                    }.into_any()
                }
            }}
            <Show when=move || me.get().is_none()>
                <button type="button" class="text-sm font-semibold text-brand-700 hover:underline" on:click=locate disabled=move || asked.get() && problem.get().is_none()>
                    "Show distance from me"
                </button>
            </Show>
            {move || problem.get().map(|m| view! { <p class="text-sm text-amber-800" role="status">{m}</p> })}
        </div>
    }
}

#[component]
fn Tiles(position: Position, tiles: String) -> impl IntoView {
    let (cx, cy) = world_pixel(position.lat, position.lng, ZOOM);
    let (left, top) = (cx - WIDTH / 2.0, cy - HEIGHT / 2.0);
    let max = 2i64.pow(ZOOM as u32);
    let mut images = Vec::new();
    for ty in (top / TILE).floor() as i64..=((top + HEIGHT) / TILE).floor() as i64 {
        for tx in (left / TILE).floor() as i64..=((left + WIDTH) / TILE).floor() as i64 {
            if !(0..max).contains(&ty) {
                continue;
            }
            let url = tiles
                .replace("{z}", &ZOOM.to_string())
                .replace("{x}", &tx.rem_euclid(max).to_string())
                .replace("{y}", &ty.to_string());
            let (x, y) = (tx as f64 * TILE - left, ty as f64 * TILE - top);
            images.push(view! { <image href=url x=x.to_string() y=y.to_string() width="256" height="256" /> });
        }
    }
    view! {
        <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") class="h-56 w-full overflow-hidden rounded-xl bg-slate-200 sm:h-72" role="img" aria-label="Map of the provider's position" data-testid="map">
            {images}
            <circle cx=(WIDTH / 2.0).to_string() cy=(HEIGHT / 2.0).to_string() r="18" fill="#4f46e5" fill-opacity="0.2" />
            <circle cx=(WIDTH / 2.0).to_string() cy=(HEIGHT / 2.0).to_string() r="8" fill="#4f46e5" stroke="white" stroke-width="3" />
            <text x=(WIDTH - 6.0).to_string() y=(HEIGHT - 6.0).to_string() text-anchor="end" font-size="11" fill="#334155">"© OpenStreetMap contributors"</text>
        </svg>
    }
}

/// Asks the browser once where it is.
pub fn locate_once(
    on_position: impl Fn(f64, f64, f64) + 'static,
    on_error: impl Fn(String) + 'static,
) {
    #[cfg(feature = "hydrate")]
    {
        match geolocation() {
            Some(geo) => {
                let ok = position_callback(on_position);
                let err = error_callback(on_error);
                let _ = geo.get_current_position_with_error_callback(&ok, Some(&err));
            }
            None => on_error("This browser can't tell where you are.".into()),
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = on_position;
        on_error("Your position is only available in the browser.".into());
    }
}

/// Watches the browser's position; returns the watch's id for
/// [`stop_watching`]. A plain number, so pages can keep it in ordinary
/// (thread-safe) storage.
pub fn watch(
    on_position: impl Fn(f64, f64, f64) + 'static,
    on_error: impl Fn(String) + 'static,
) -> Option<i32> {
    #[cfg(feature = "hydrate")]
    {
        let geo = geolocation()?;
        let ok = position_callback(on_position);
        let err = error_callback(on_error);
        geo.watch_position_with_error_callback(&ok, Some(&err)).ok()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (on_position, on_error);
        None
    }
}

/// Stops a watch started by [`watch`].
pub fn stop_watching(id: i32) {
    #[cfg(feature = "hydrate")]
    if let Some(geo) = geolocation() {
        geo.clear_watch(id);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

#[cfg(feature = "hydrate")]
fn geolocation() -> Option<web_sys::Geolocation> {
    window().navigator().geolocation().ok()
}

#[cfg(feature = "hydrate")]
fn position_callback(on_position: impl Fn(f64, f64, f64) + 'static) -> js_sys::Function {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::Closure;
    let field = |value: &wasm_bindgen::JsValue, name: &str| {
        js_sys::Reflect::get(value, &name.into()).unwrap_or(wasm_bindgen::JsValue::UNDEFINED)
    };
    let closure =
        Closure::<dyn Fn(wasm_bindgen::JsValue)>::new(move |position: wasm_bindgen::JsValue| {
            let coords = field(&position, "coords");
            let number = |name: &str| field(&coords, name).as_f64();
            if let (Some(lat), Some(lng)) = (number("latitude"), number("longitude")) {
                on_position(lat, lng, number("accuracy").unwrap_or(0.0));
            }
        });
    // The browser may call it for as long as the page lives.
    closure.into_js_value().unchecked_into()
}

#[cfg(feature = "hydrate")]
fn error_callback(on_error: impl Fn(String) + 'static) -> js_sys::Function {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::Closure;
    let closure =
        Closure::<dyn Fn(wasm_bindgen::JsValue)>::new(move |error: wasm_bindgen::JsValue| {
            let code = js_sys::Reflect::get(&error, &"code".into())
                .ok()
                .and_then(|c| c.as_f64())
                .unwrap_or(0.0);
            on_error(if code == 1.0 {
                "Location access was not allowed in this browser.".into()
            } else {
                "Your position isn't available right now.".into()
            });
        });
    closure.into_js_value().unchecked_into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_map_to_web_mercator_tiles() {
        let (x, y) = world_pixel(0.0, 0.0, 1);
        assert!((x - 256.0).abs() < 1e-9 && (y - 256.0).abs() < 1e-9);
        // Berlin at zoom 15 is in tile x 17604, y 10746.
        let (x, y) = world_pixel(52.52, 13.405, 15);
        assert_eq!(((x / 256.0) as i64, (y / 256.0) as i64), (17604, 10746));
    }

    #[test]
    fn distances_and_arrival_estimates_read_plainly() {
        // Paris to London is about 344 km.
        let d = distance_m((48.8566, 2.3522), (51.5074, -0.1278));
        assert!((d - 343_500.0).abs() < 2_000.0, "{d}");
        assert_eq!(distance_label(1_500.0), "1.5 km away · about 3 min");
        assert_eq!(distance_label(240.0), "240 m away · about 1 min");
    }
}
