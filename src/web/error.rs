//! The one mapping from [`Error`] to HTTP: a status and a page that says what
//! to do, never internals (those go to the log). The page is in the reader's
//! language: [`in_readers_language`] renders it again for a patient or a
//! visitor who reads another language than English.

use crate::error::Error;
use crate::i18n::{Arg, Tr};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub tr: Tr,
    pub status: u16,
    pub title: &'a str,
    pub message: &'a str,
}

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        match self {
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::Forbidden | Error::Csrf => StatusCode::FORBIDDEN,
            Error::Unauthenticated => StatusCode::SEE_OTHER,
            Error::TokenRefused => StatusCode::UNAUTHORIZED,
            Error::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::Conflict(_) | Error::Refused(_) => StatusCode::CONFLICT,
            Error::Db(_) | Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if let Error::Unauthenticated = self {
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/login"))
                .finish();
        }
        if let Error::TokenRefused = self {
            let body = crate::fhir::bulk::outcome("error", "login", &self.to_string());
            return HttpResponse::Unauthorized()
                .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
                .content_type(crate::fhir::CONTENT_TYPE)
                .body(body.to_string());
        }
        if let Error::Db(_) | Error::Internal(_) = self {
            tracing::error!(error = %self, "request failed");
        }
        // English here (no request at hand); `in_readers_language` puts the
        // page into the reader's language afterwards.
        let mut resp = HttpResponse::build(status);
        resp.content_type("text/html; charset=utf-8");
        if let Error::TooManyRequests { retry_after_secs } = self {
            resp.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        resp.body(self.page(Tr::EN).unwrap_or_default())
    }
}

impl Error {
    /// The error page's title and message in `tr`'s language.
    fn words(&self, tr: Tr) -> (String, String) {
        let pair = |title: &str, message: &str| (tr.t(title), tr.t(message));
        match self {
            Error::NotFound => pair("error-not-found-title", "error-not-found"),
            Error::Forbidden => pair("error-forbidden-title", "error-forbidden"),
            Error::Csrf => pair("error-csrf-title", "error-csrf"),
            Error::TooManyRequests { retry_after_secs } => (tr.t("error-too-many-title"), wait(tr, *retry_after_secs)),
            Error::Invalid(e) => (
                tr.t("error-invalid-title"),
                e.messages()
                    .map(|(en, key)| tr.keyed(key, en).trim_end_matches('.').to_string())
                    .collect::<Vec<_>>()
                    .join(". "),
            ),
            // Staff-only conflicts: their words are English.
            Error::Conflict(m) => (tr.t("error-conflict-title"), m.clone()),
            Error::Refused(w) => (tr.t("error-conflict-title"), tr.words(*w)),
            Error::UnsupportedMediaType => pair("error-not-a-form-title", "error-not-a-form"),
            Error::Db(_) | Error::Internal(_) | Error::Unauthenticated | Error::TokenRefused => {
                pair("error-internal-title", "error-internal")
            }
        }
    }

    /// The error page in `tr`'s language; `None` for an error answered
    /// without one (a redirect to sign in, a FHIR outcome).
    fn page(&self, tr: Tr) -> Option<String> {
        if let Error::Unauthenticated | Error::TokenRefused = self {
            return None;
        }
        let (title, message) = self.words(tr);
        let page = ErrorPage {
            tr,
            status: self.status_code().as_u16(),
            title: &title,
            message: &message,
        };
        Some(page.render().unwrap_or(title))
    }
}

/// "Wait 30 seconds" or "wait 2 minutes": plurals from the catalogue.
fn wait(tr: Tr, secs: u64) -> String {
    if secs < 90 {
        tr.t1("error-too-many-seconds", "seconds", Arg::from(secs.max(1) as f64))
    } else {
        tr.t1("error-too-many-minutes", "minutes", Arg::from(secs.div_ceil(60) as f64))
    }
}

/// Middleware: an error page for someone who reads another language (a
/// patient's own, or a visitor's choice) is rendered again in it. Status and
/// headers stay as the one mapping above set them; only the words change.
pub async fn in_readers_language(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?;
    let Some(error) = res.response().error().and_then(|e| e.as_error::<Error>()) else {
        return Ok(res.map_into_boxed_body());
    };
    if matches!(error, Error::Unauthenticated | Error::TokenRefused) {
        return Ok(res.map_into_boxed_body());
    }
    let tr = super::view::lang::reader(res.request()).await;
    if tr == Tr::EN {
        return Ok(res.map_into_boxed_body());
    }
    let body = res
        .response()
        .error()
        .and_then(|e| e.as_error::<Error>())
        .and_then(|e| e.page(tr));
    Ok(match body {
        Some(body) => res.map_body(|_, _| BoxBody::new(body)),
        None => res.map_into_boxed_body(),
    })
}

/// Renders a template into a 200 page (or a 500 page if rendering fails).
pub fn page<T: Template>(t: &T) -> Result<HttpResponse, Error> {
    render(StatusCode::OK, t)
}

pub fn render<T: Template>(status: StatusCode, t: &T) -> Result<HttpResponse, Error> {
    let body = t.render().map_err(|e| Error::Internal(format!("template: {e}")))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body))
}

pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}
