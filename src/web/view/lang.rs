//! The language of a page shown before sign-in (sign-in, invitation, reset):
//! `?lang=` (the visible switch; remembered in a cookie), else that cookie,
//! else the browser's `Accept-Language`. Signed-in patients read their pages
//! in the language stored on their record instead.

use crate::domain::Lang;
use crate::i18n::{self, Tr};
use actix_web::cookie::{time::Duration, Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::header::ACCEPT_LANGUAGE;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
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
