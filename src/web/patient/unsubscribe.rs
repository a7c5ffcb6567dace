//! `/reminders/unsubscribe/{token}`: the link in every reminder email. GET
//! asks (mail scanners open links; opening changes nothing); POST, from the
//! page's button or a mail provider's RFC 8058 one-click, turns reminders
//! off. No sign-in and no CSRF token: the single-use token is the only key,
//! and it reaches nothing but this patient's reminder setting.

use crate::app::notify::UNSUBSCRIBE_LIFETIME_DAYS;
use crate::app::reminders::{self, Unsubscribe};
use crate::error::Result;
use crate::i18n::Tr;
use crate::web::error::render;
use crate::web::session::client_ip;
use crate::web::view::lang::PageLang;
use crate::web::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

#[derive(Template)]
#[template(path = "patient/unsubscribe.html")]
struct UnsubscribePage<'a> {
    tr: Tr,
    token: &'a str,
    found: Option<Unsubscribe>,
    done: bool,
    lifetime_days: i64,
}

/// In the patient's language when the link is theirs, else the visitor's.
fn answer(lang: &PageLang, token: &str, found: Option<Unsubscribe>, done: bool) -> Result<HttpResponse> {
    let tr = found.as_ref().map_or(lang.tr, |u| Tr::new(u.language));
    // A link that does not work is 404: nothing is there for it.
    let status = if found.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    render(
        status,
        &UnsubscribePage {
            tr,
            token,
            found,
            done,
            lifetime_days: UNSUBSCRIBE_LIFETIME_DAYS,
        },
    )
}

pub async fn confirm_page(state: web::Data<AppState>, path: web::Path<String>, lang: PageLang) -> Result<HttpResponse> {
    let token = path.into_inner();
    let found = reminders::peek(&state.db, token.clone(), state.clock.now()).await?;
    answer(&lang, &token, found, false)
}

pub async fn stop(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    lang: PageLang,
) -> Result<HttpResponse> {
    let token = path.into_inner();
    let ip = client_ip(&req);
    let done = reminders::stop(&state.db, token.clone(), ip, state.clock.now()).await?;
    let ok = done.is_some();
    answer(&lang, &token, done, ok)
}
