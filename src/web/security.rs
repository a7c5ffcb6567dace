//! Browser-facing protections applied to every response: cross-site request
//! refusal, the anonymous CSRF cookie, and the security headers.

use super::session::{csrf_cookie_name, AnonCsrf};
use super::AppState;
use crate::auth::tokens;
use crate::error::Error;
use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage};

pub const CSP: &str =
    "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// True when a state-changing request plainly comes from another site.
fn is_cross_site(req: &ServiceRequest, public_url: &str) -> bool {
    let headers = req.headers();
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    if origin == public_url {
        return false;
    }
    // Same host as the request itself (e.g. reached on another address of this machine).
    let host = req.connection_info().host().to_string();
    let this = [format!("http://{host}"), format!("https://{host}")];
    !this.iter().any(|o| o == origin)
}

pub async fn protect(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let https = state.as_ref().map(|s| s.settings.is_https()).unwrap_or(false);
    let public_url = state
        .as_ref()
        .map(|s| s.settings.public_url.clone())
        .unwrap_or_default();

    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && is_cross_site(&req, &public_url) {
        // Kept as the error, so its page can be put into the reader's language.
        return Ok(req.error_response(Error::Csrf).map_into_right_body());
    }

    let cookie_name = csrf_cookie_name(https);
    let existing = req
        .cookie(cookie_name)
        .map(|c| c.value().to_string())
        .filter(|v| v.len() == 43);
    let (anon, fresh) = match existing {
        Some(v) => (v, false),
        None => (tokens::generate().0, true),
    };
    req.extensions_mut().insert(AnonCsrf(anon.clone()));
    let is_static = req.path().starts_with("/static/");
    // A page that needs sign-in sends the browser to it with `next=`, so a
    // link from an alert email lands on its flag afterwards.
    let page_wanted = (*req.method() == Method::GET)
        .then(|| req.uri().path_and_query().map(|p| p.as_str().to_string()))
        .flatten()
        .filter(|p| !matches!(p.as_str(), "/" | "/clinic"));

    let mut res = next.call(req).await?;
    if let Some(wanted) = page_wanted {
        let needs_sign_in = res
            .response()
            .error()
            .and_then(|e| e.as_error::<Error>())
            .is_some_and(|e| matches!(e, Error::Unauthenticated));
        if needs_sign_in {
            if let Ok(v) = HeaderValue::from_str(&super::view::landing::with_next("/login", &wanted)) {
                res.headers_mut().insert(header::LOCATION, v);
            }
        }
    }
    if fresh && !is_static {
        let c = Cookie::build(cookie_name, anon)
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(https)
            .finish();
        let _ = res.response_mut().add_cookie(&c);
    }
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if is_static {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    } else if !h.contains_key(header::CACHE_CONTROL) {
        // Every page may show health data; none may be stored by a browser or
        // proxy. (Photos set their own, stricter `private, no-store`.)
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res.map_into_left_body())
}
