//! The browser's side of accounts: forms posted to server functions, session
//! cookies, transparent refresh, CSRF, avatars.

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

pub(crate) const PNG_1X1: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// The session cookies of a response, as `name=value` pairs.
fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

fn cookie_header(set: &[String]) -> String {
    set.iter()
        .map(|c| c.split(';').next().unwrap().to_string())
        .filter(|pair| !pair.ends_with('='))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Posts a form to a server function the way a browser without JavaScript does.
async fn post_form(
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
    cookies: Option<&str>,
    origin: &str,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url(path))
        .header("origin", origin)
        .header("accept", "text/html")
        .form(form);
    if let Some(cookies) = cookies {
        request = request.header(COOKIE, cookies);
    }
    request.send().await.unwrap()
}

async fn sign_up(app: &TestApp, email: &str) -> Vec<String> {
    let origin = app.url("");
    let response = post_form(
        app,
        "/rpc/accounts/sign_up",
        &[
            ("email", email),
            ("password", "correct horse battery"),
            ("display_name", "Grace Hopper"),
            ("role", "organizer"),
            ("next", "/profile"),
        ],
        None,
        &origin,
    )
    .await;
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(response.headers()[LOCATION], "/profile");
    set_cookies(&response)
}

/// A page request as a browser makes it.
async fn page(app: &TestApp, path: &str, cookies: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url(path)).header("accept", "text/html");
    if let Some(cookies) = cookies {
        request = request.header(COOKIE, cookies);
    }
    request.send().await.unwrap()
}

fn email() -> String {
    format!("grace{:x}@example.com", rand::random::<u64>())
}

#[tokio::test]
async fn signing_up_with_a_plain_form_sets_http_only_cookies_and_redirects_to_next() {
    let app = spawn_app().await;

    let cookies = sign_up(&app, &email()).await;

    assert_eq!(cookies.len(), 2, "{cookies:?}");
    for cookie in &cookies {
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(
            !cookie.contains("Secure"),
            "plain HTTP gets no Secure flag: {cookie}"
        );
    }
    let profile = page(&app, "/profile", Some(&cookie_header(&cookies))).await;
    assert_eq!(profile.status(), 200);
    let html = profile.text().await.unwrap();
    assert!(html.contains("Grace Hopper"));
    assert!(html.contains("Organizer"));
    app.stop().await;
}

/// Signs up through the form with `X-Forwarded-Proto: https`; the cookies set.
pub(crate) async fn sign_up_over_https(app: &TestApp) -> Vec<String> {
    let response = app
        .client
        .post(app.url("/rpc/accounts/sign_up"))
        .header("origin", app.url(""))
        .header("x-forwarded-proto", "https")
        .header("accept", "text/html")
        .form(&[
            ("email", email().as_str()),
            ("password", "correct horse battery"),
            ("display_name", ""),
            ("role", ""),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    set_cookies(&response)
}

#[tokio::test]
async fn over_https_the_cookies_are_secure_and_host_prefixed() {
    // Behind a proxy we trust, its word on the scheme counts.
    let app = spawn_app_with(|c| c.trust_proxy = true).await;
    let cookies = sign_up_over_https(&app).await;
    assert!(
        cookies
            .iter()
            .all(|c| c.starts_with("__Host-") && c.contains("; Secure")),
        "{cookies:?}"
    );
    app.stop().await;
    // Without one, anybody could send the header: it changes nothing.
    let app = spawn_app().await;
    let cookies = sign_up_over_https(&app).await;
    assert!(cookies.iter().all(|c| !c.contains("Secure")), "{cookies:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_profile_page_without_a_session_redirects_to_sign_in_with_next() {
    let app = spawn_app().await;
    let response = page(&app, "/profile", None).await;
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(response.headers()[LOCATION], "/sign-in?next=/profile");
    app.stop().await;
}

#[tokio::test]
async fn a_cross_site_form_post_with_cookies_is_refused() {
    let app = spawn_app().await;
    let cookies = cookie_header(&sign_up(&app, &email()).await);

    let forged = post_form(
        &app,
        "/rpc/accounts/update_profile",
        &[("display_name", "Pwned"), ("bio", "")],
        Some(&cookies),
        "http://evil.example",
    )
    .await;
    assert_eq!(forged.status(), 403);
    let body: Value = forged.json().await.unwrap();
    assert_eq!(body["statusCode"], 403);

    let own = post_form(
        &app,
        "/rpc/accounts/update_profile",
        &[("display_name", "Grace B. Hopper"), ("bio", "Admiral")],
        Some(&cookies),
        &app.url(""),
    )
    .await;
    assert!(
        own.status().is_success() || own.status().is_redirection(),
        "{}",
        own.status()
    );
    let html = page(&app, "/profile", Some(&cookies))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Grace B. Hopper"));
    assert!(!html.contains("Pwned"));
    app.stop().await;
}

#[tokio::test]
async fn a_bearer_call_needs_no_origin() {
    let app = spawn_app().await;
    let body: Value = app
        .client
        .post(app.url("/api/auth/register"))
        .json(&serde_json::json!({ "username": email(), "password": "correct horse" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let response = app
        .client
        .put(app.url("/api/users/me"))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .header("origin", "http://elsewhere.example")
        .json(&serde_json::json!({ "bio": "From a script." }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn an_expired_access_cookie_is_refreshed_transparently() {
    let app = spawn_app().await;
    let cookies = sign_up(&app, &email()).await;
    let refresh_only = cookies
        .iter()
        .find(|c| c.starts_with("marquee_refresh="))
        .map(|c| c.split(';').next().unwrap().to_string())
        .unwrap();

    let profile = page(&app, "/profile", Some(&refresh_only)).await;

    assert_eq!(profile.status(), 200);
    let renewed = set_cookies(&profile);
    assert!(
        renewed
            .iter()
            .any(|c| c.starts_with("marquee_access=") && !c.starts_with("marquee_access=;")),
        "{renewed:?}"
    );
    assert!(
        renewed
            .iter()
            .any(|c| c.starts_with("marquee_refresh=") && !c.contains(&refresh_only)),
        "rotated: {renewed:?}"
    );
    assert!(profile.text().await.unwrap().contains("Grace Hopper"));
    app.stop().await;
}

#[tokio::test]
async fn signing_out_clears_the_cookies_and_the_old_ones_stop_working() {
    let app = spawn_app().await;
    let cookies = cookie_header(&sign_up(&app, &email()).await);

    let out = post_form(
        &app,
        "/rpc/accounts/sign_out",
        &[],
        Some(&cookies),
        &app.url(""),
    )
    .await;
    assert!(out.status().is_redirection(), "{}", out.status());
    let cleared = set_cookies(&out);
    assert!(
        cleared.iter().all(|c| c.contains("Max-Age=0")),
        "{cleared:?}"
    );

    // Replaying the old cookies: the session is revoked, so no refresh either.
    let replay = page(&app, "/profile", Some(&cookies)).await;
    assert!(replay.status().is_redirection());
    app.stop().await;
}

#[tokio::test]
async fn a_wrong_password_on_the_form_comes_back_as_an_error_not_a_session() {
    let app = spawn_app().await;
    let email = email();
    sign_up(&app, &email).await;

    let response = app
        .client
        .post(app.url("/rpc/accounts/sign_in"))
        .header("origin", app.url(""))
        .header("accept", "application/json")
        .form(&[
            ("email", email.as_str()),
            ("password", "not the password"),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 401);
    assert!(set_cookies(&response).is_empty());
    // The page reads the error back and shows its words.
    let error: app::error::AppError = response.json().await.unwrap();
    assert_eq!(error, app::error::AppError::BadCredentials);
    assert_eq!(error.to_string(), "The email or password is incorrect.");
    app.stop().await;
}

#[tokio::test]
async fn an_avatar_is_uploaded_checked_and_served() {
    let app = spawn_app().await;
    let cookies = cookie_header(&sign_up(&app, &email()).await);
    let upload = |bytes: &'static [u8], name: &'static str| {
        let form = reqwest::multipart::Form::new().part(
            "avatar",
            reqwest::multipart::Part::bytes(bytes).file_name(name),
        );
        app.client
            .post(app.url("/api/users/me/avatar"))
            .header(COOKIE, &cookies)
            .header("origin", app.url(""))
            .multipart(form)
            .send()
    };

    let ok = upload(PNG_1X1, "me.png").await.unwrap();
    assert_eq!(ok.status(), 200);
    let me: Value = ok.json().await.unwrap();
    let url = me["avatarUrl"].as_str().unwrap().to_string();
    let image = app.get(&url).await;
    assert_eq!(image.status(), 200);
    assert_eq!(image.headers()["content-type"], "image/png");
    // Kept as decoded and encoded again: the same pixels.
    let kept = image::load_from_memory(&image.bytes().await.unwrap()).unwrap();
    assert_eq!((kept.width(), kept.height()), (1, 1));

    // A phone's photo: its EXIF (with the GPS position) is not kept.
    let mut photo = std::io::Cursor::new(Vec::new());
    image::DynamicImage::new_rgb8(40, 30)
        .write_to(&mut photo, image::ImageFormat::Jpeg)
        .unwrap();
    let photo = photo.into_inner();
    let exif = b"Exif\0\0GPSLatitude 48.8584N";
    let mut tagged = vec![0xFF, 0xD8, 0xFF, 0xE1, 0, (exif.len() + 2) as u8];
    tagged.extend_from_slice(exif);
    tagged.extend_from_slice(&photo[2..]);
    let tagged: &'static [u8] = Box::leak(tagged.into_boxed_slice());
    let ok = upload(tagged, "photo.jpg").await.unwrap();
    assert_eq!(ok.status(), 200);
    let me: Value = ok.json().await.unwrap();
    let served = app
        .get(me["avatarUrl"].as_str().unwrap())
        .await
        .bytes()
        .await
        .unwrap();
    assert!(!served.windows(4).any(|w| w == b"Exif"));
    assert!(!served.windows(3).any(|w| w == b"GPS"));

    let svg = upload(
        b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
        "x.png",
    )
    .await
    .unwrap();
    assert_eq!(svg.status(), 400);
    let error: Value = svg.json().await.unwrap();
    assert_eq!(error["field"], "avatar");

    assert_eq!(app.get("/avatars/..%2F..%2Fjwt-secret").await.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn an_avatar_form_posted_from_the_page_comes_back_to_the_profile() {
    let app = spawn_app().await;
    let cookies = cookie_header(&sign_up(&app, &email()).await);
    let upload = |bytes: &'static [u8]| {
        let form = reqwest::multipart::Form::new().part(
            "avatar",
            reqwest::multipart::Part::bytes(bytes).file_name("f"),
        );
        app.client
            .post(app.url("/api/users/me/avatar"))
            .header(COOKIE, &cookies)
            .header("origin", app.url(""))
            .header("accept", "text/html")
            .multipart(form)
            .send()
    };

    let ok = upload(PNG_1X1).await.unwrap();
    assert_eq!(ok.status(), 303);
    assert_eq!(ok.headers()[LOCATION], "/profile");

    let bad = upload(b"GIF? no, text").await.unwrap();
    assert_eq!(bad.status(), 303);
    let location = bad.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(
        location.starts_with("/profile?avatar_error=Use%20a%20PNG"),
        "{location}"
    );
    let html = page(&app, &location, Some(&cookies))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Use a PNG, JPEG, WebP or GIF picture."));
    app.stop().await;
}

#[tokio::test]
async fn with_two_factor_on_the_sign_in_form_leads_to_the_code_form_and_then_in() {
    let app = spawn_app().await;
    let email = email();
    let cookies = sign_up(&app, &email).await;
    let access = cookies
        .iter()
        .find_map(|c| c.strip_prefix("marquee_access="))
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_string();
    let (secret, _) = crate::helpers::turn_on_two_factor(&app, &access).await;
    let origin = app.url("");

    let first = post_form(
        &app,
        "/rpc/accounts/sign_in",
        &[
            ("email", &email),
            ("password", "correct horse battery"),
            ("next", "/profile"),
        ],
        None,
        &origin,
    )
    .await;
    assert!(first.status().is_redirection(), "{}", first.status());
    assert_eq!(first.headers()[LOCATION], "/sign-in/code?next=/profile");
    let ticket = set_cookies(&first);
    assert_eq!(ticket.len(), 1, "a ticket, no session: {ticket:?}");
    assert!(ticket[0].starts_with("marquee_sign_in=") && ticket[0].contains("HttpOnly"));
    let ticket = cookie_header(&ticket);

    let code_page = page(&app, "/sign-in/code?next=%2Fprofile", Some(&ticket)).await;
    assert_eq!(code_page.status(), 200);
    assert!(code_page.text().await.unwrap().contains("Enter your code"));

    let without = post_form(
        &app,
        "/rpc/accounts/sign_in_code",
        &[("code", "123456"), ("next", "/profile")],
        None,
        &origin,
    )
    .await;
    assert!(set_cookies(&without).is_empty(), "no ticket, no session");

    let code = crate::helpers::app_code(&secret, 1);
    let second = post_form(
        &app,
        "/rpc/accounts/sign_in_code",
        &[("code", &code), ("next", "/profile")],
        Some(&ticket),
        &origin,
    )
    .await;
    assert!(second.status().is_redirection(), "{}", second.status());
    assert_eq!(second.headers()[LOCATION], "/profile");
    let signed_in = set_cookies(&second);
    assert!(signed_in.iter().any(|c| c.starts_with("marquee_access=")));
    assert!(
        signed_in.iter().any(|c| c.starts_with("marquee_sign_in=;")),
        "the ticket is cleared: {signed_in:?}"
    );
    let profile = page(&app, "/profile", Some(&cookie_header(&signed_in))).await;
    assert_eq!(profile.status(), 200);
    assert!(profile.text().await.unwrap().contains("Grace Hopper"));
    app.stop().await;
}
