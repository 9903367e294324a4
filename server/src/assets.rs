//! The compiled site assets under `/pkg/` (the wasm, its JavaScript glue and
//! the stylesheet). A release build names them after a hash of their bytes
//! (cargo-leptos `hash-files`, the hashes written to `hash.txt` beside the
//! binary) and compresses each once with brotli and gzip (`--precompress`:
//! `.br` and `.gz` files beside it). They are served from those files as the
//! browser accepts them, never compressed per request, and the hashed ones
//! are cached for a year as immutable: a new build has new names. Anything
//! else under `/pkg/` (wasm-bindgen snippets, a development build) is
//! revalidated on every use.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::HeaderValue;
use axum::http::header::{CACHE_CONTROL, VARY};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::services::ServeDir;

const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");

/// Where a release build keeps its hashes: `hash.txt` beside the binary.
pub fn hash_file() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    Some(exe.parent()?.join("hash.txt"))
}

/// The file names a `hash.txt` gives the assets (`js: H` makes
/// `{output}.H.js`, and so on for `wasm` and `css`).
pub fn hashed_names(output_name: &str, hashes: &str) -> HashSet<String> {
    hashes
        .lines()
        .filter_map(|line| line.split_once(':'))
        .filter_map(|(kind, hash)| {
            let (kind, hash) = (kind.trim(), hash.trim());
            let safe = !hash.is_empty()
                && hash
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            (safe && matches!(kind, "js" | "wasm" | "css"))
                .then(|| format!("{output_name}.{hash}.{kind}"))
        })
        .collect()
}

/// The hashed names of this build, if it was built with hashes.
pub fn this_build(output_name: &str) -> HashSet<String> {
    hash_file()
        .and_then(|path| std::fs::read_to_string(path).ok())
        .map(|hashes| hashed_names(output_name, &hashes))
        .unwrap_or_default()
}

/// `/pkg/` served from `pkg_dir`; `hashed` are the names cached for good.
pub fn router<S: Clone + Send + Sync + 'static>(
    pkg_dir: &Path,
    hashed: HashSet<String>,
) -> Router<S> {
    let hashed = Arc::new(hashed);
    let files = ServeDir::new(pkg_dir)
        .precompressed_br()
        .precompressed_gzip();
    Router::new().nest_service(
        "/pkg",
        tower::ServiceBuilder::new()
            .layer(axum::middleware::from_fn(
                move |request: Request, next: Next| {
                    let hashed = Arc::clone(&hashed);
                    async move { cache_control(&hashed, request, next).await }
                },
            ))
            .service(files),
    )
}

async fn cache_control(hashed: &HashSet<String>, request: Request, next: Next) -> Response {
    let immutable = request
        .uri()
        .path()
        .rsplit('/')
        .next()
        .is_some_and(|name| hashed.contains(name));
    let mut response = next.run(request).await;
    if response.status().is_success() || response.status().is_redirection() {
        let headers = response.headers_mut();
        headers.insert(
            CACHE_CONTROL,
            if immutable { IMMUTABLE } else { REVALIDATE },
        );
        // The bytes depend on Accept-Encoding (a `.br`, a `.gz` or the file).
        headers.insert(VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_file_names_the_three_assets_and_nothing_else() {
        let names = hashed_names(
            "marquee",
            "js: AbC-1_x\nwasm: w9\ncss: c1\nsplit: s\nwasm: ../../etc\n\nnonsense",
        );
        let mut names: Vec<_> = names.into_iter().collect();
        names.sort();
        assert_eq!(
            names,
            ["marquee.AbC-1_x.js", "marquee.c1.css", "marquee.w9.wasm"]
        );
    }
}
