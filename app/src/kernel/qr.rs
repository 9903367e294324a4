//! QR codes as SVG markup (tickets at the door, authenticator set-up).

/// `text` as a QR image: SVG markup, dark modules on white, with a quiet
/// zone; empty (and logged) if the text is too long to encode.
pub fn svg(text: &str) -> String {
    use qrcode::render::svg;
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(qr) => qr
            .render::<svg::Color>()
            .min_dimensions(160, 160)
            .quiet_zone(true)
            .dark_color(svg::Color("#0f172a"))
            .light_color(svg::Color("#ffffff"))
            .build(),
        Err(e) => {
            tracing::error!(error = %e, "cannot encode text as a QR code");
            String::new()
        }
    }
}
