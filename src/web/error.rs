//! The one mapping from [`Error`] to HTTP: a status and a page that says what
//! to do, never internals (those go to the log).

use crate::error::Error;
use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub status: u16,
    pub title: &'a str,
    pub message: &'a str,
    pub signed_in: bool,
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
            Error::Conflict(_) => StatusCode::CONFLICT,
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
        let (title, message): (&str, String) = match self {
            Error::NotFound => ("Page not found", "There is nothing here. Check the address, or go back to the start.".into()),
            Error::Forbidden => ("Not allowed", "Your account does not have access to this page.".into()),
            Error::Csrf => (
                "Please try again",
                "This form could not be accepted: it may have been open too long, or come from another site. Reload the page and send it again.".into(),
            ),
            Error::TooManyRequests { retry_after_secs } => (
                "Too many attempts",
                format!("For your security, please wait {} before trying again.", human_wait(*retry_after_secs)),
            ),
            Error::Invalid(e) => ("Please check your answers", e.iter().map(|(_, m)| m.to_string()).collect::<Vec<_>>().join(". ")),
            Error::Conflict(m) => ("That could not be done", m.clone()),
            Error::UnsupportedMediaType => (
                "Not a form",
                "This address accepts only forms sent from Aftercare's own pages.".into(),
            ),
            Error::Db(_) | Error::Internal(_) | Error::Unauthenticated | Error::TokenRefused => {
                tracing::error!(error = %self, "request failed");
                ("Something went wrong", "We could not complete this request. Nothing you entered before was lost. Please try again in a moment.".into())
            }
        };
        let page = ErrorPage {
            status: status.as_u16(),
            title,
            message: &message,
            signed_in: false,
        };
        let body = page.render().unwrap_or_else(|_| title.to_string());
        let mut resp = HttpResponse::build(status);
        resp.content_type("text/html; charset=utf-8");
        if let Error::TooManyRequests { retry_after_secs } = self {
            resp.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        resp.body(body)
    }
}

fn human_wait(secs: u64) -> String {
    if secs < 90 {
        format!("{} seconds", secs.max(1))
    } else {
        format!("{} minutes", secs.div_ceil(60))
    }
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
