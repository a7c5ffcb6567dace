//! The language of a page shown before sign-in (sign-in, invitation, reset):
//! `?lang=` (the visible switch; remembered in a cookie), else that cookie,
//! else the browser's `Accept-Language`. Signed-in patients read their pages
//! in the language stored on their record instead; staff read English.
//! [`reader`] decides for pages any of them can meet (error pages).

use crate::domain::Lang;
use crate::i18n::{self, Tr};
use crate::web::session::{ActiveSession, PatientLang, Visitor};
use crate::web::AppState;
use actix_web::cookie::{time::Duration, Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::header::ACCEPT_LANGUAGE;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse};
use std::future::{ready, Ready};

/// The query parameter and cookie that carry a chosen language.
pub const LANG_PARAM: &str = "lang";

fn cookie_name(https: bool) -> &'static str {
    if https {
        "__Host-aftercare-lang"
    } else {
        "aftercare_lang"
    }
}

/// One entry of the language switch.
pub struct LangLink {
    pub code: &'static str,
    pub name: &'static str,
    /// This page in that language (the same query, `lang` replaced).
    pub href: String,
    pub current: bool,
}

/// The visitor's language for this request, with the switch to the others.
pub struct PageLang {
    pub tr: Tr,
    pub switch: Vec<LangLink>,
    /// Chosen with `?lang=` on this request: remembered in the cookie.
    chosen: Option<Lang>,
    https: bool,
}

impl PageLang {
    pub fn of(req: &HttpRequest) -> Self {
        let https = req
            .app_data::<actix_web::web::Data<crate::web::AppState>>()
            .is_some_and(|s| s.settings.is_https());
        let query: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
        let chosen = query
            .iter()
            .find(|(k, _)| k == LANG_PARAM)
            .and_then(|(_, v)| Lang::parse(v).ok());
        let lang = chosen
            .or_else(|| req.cookie(cookie_name(https)).and_then(|c| Lang::parse(c.value()).ok()))
            .unwrap_or_else(|| {
                req.headers()
                    .get(ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .map_or(Lang::En, i18n::from_accept_language)
            });
        let others: Vec<(String, String)> = query.into_iter().filter(|(k, _)| k != LANG_PARAM).collect();
        let switch = Lang::ALL
            .iter()
            .map(|l| {
                let mut q = others.clone();
                q.push((LANG_PARAM.to_string(), l.as_str().to_string()));
                LangLink {
                    code: l.as_str(),
                    name: l.own_name(),
                    href: format!("{}?{}", req.path(), serde_urlencoded::to_string(&q).unwrap_or_default()),
                    current: *l == lang,
                }
            })
            .collect();
        Self {
            tr: Tr::new(lang),
            switch,
            chosen,
            https,
        }
    }

    /// Remembers a language chosen with the switch, so the next page (a
    /// form's answer, the link to "forgot password") stays in it.
    pub fn keep(&self, mut resp: HttpResponse) -> HttpResponse {
        if let Some(l) = self.chosen {
            let cookie = Cookie::build(cookie_name(self.https), l.as_str())
                .path("/")
                .http_only(true)
                .same_site(SameSite::Lax)
                .secure(self.https)
                .max_age(Duration::days(365))
                .finish();
            // A cookie that cannot be added only costs the memory of the choice.
            let _ = resp.add_cookie(&cookie);
        }
        resp
    }
}

impl FromRequest for PageLang {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(PageLang::of(req)))
    }
}

/// The translator for a signed-in person's pages: a patient's own language,
/// English for staff.
pub async fn of_session(state: &AppState, session: &ActiveSession) -> Tr {
    if session.kind != crate::domain::AccountKind::Patient {
        return Tr::EN;
    }
    let account = session.account;
    let patient = state
        .db
        .read_async(move |c| crate::db::patients::by_account(c, account).map_err(Into::into))
        .await;
    // An account without a readable record reads the clinic's language.
    Tr::new(patient.ok().flatten().map_or(Lang::En, |p| p.language))
}

/// The language of a page anyone can meet (an error page): the signed-in
/// patient's, English for staff, else the visitor's ([`PageLang`]).
pub async fn reader(req: &HttpRequest) -> Tr {
    if let Some(PatientLang(l)) = req.extensions().get::<PatientLang>().copied() {
        return Tr::new(l);
    }
    let session = Visitor::from_request(req, &mut Payload::None)
        .await
        .ok()
        .and_then(|v| v.session);
    let state = req.app_data::<actix_web::web::Data<AppState>>();
    match (session, state) {
        (Some(s), Some(state)) => of_session(state, &s).await,
        _ => PageLang::of(req).tr,
    }
}
