//! Two-step sign-in for staff: the second step after a right password,
//! enrolment (from "Your account", or at sign-in when the clinic requires
//! it), and an admin's reset and requirement switch.

use super::error::{page, render, see_other};
use super::session::{session_cookie, AdminUser, SecureForm, StaffUser, Visitor};
use super::AppState;
use crate::app::totp::{self, Step};
use crate::domain::{AccountId, AccountKind, StaffId};
use crate::error::{Error, Result};
use crate::web::view::landing::{landing, next_target, with_next};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

/// The cookie that stands for "the password was right" until the second step.
fn challenge_cookie_name(https: bool) -> &'static str {
    if https {
        "__Host-aftercare-2fa"
    } else {
        "aftercare_2fa"
    }
}

pub fn challenge_cookie(value: String, https: bool) -> Cookie<'static> {
    Cookie::build(challenge_cookie_name(https), value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(https)
        .max_age(actix_web::cookie::time::Duration::minutes(
            totp::CHALLENGE_LIFETIME.num_minutes(),
        ))
        .finish()
}

fn expired_challenge_cookie(https: bool) -> Cookie<'static> {
    let mut c = challenge_cookie(String::new(), https);
    c.make_removal();
    c
}

/// Where a right password sends a person whose sign-in needs a second step.
pub fn step_path(step: Step) -> &'static str {
    match step {
        Step::Enrol => "/login/totp/enrol",
        Step::Code | Step::None => "/login/totp",
    }
}

#[derive(Template)]
#[template(path = "auth/totp.html")]
struct CodePage<'a> {
    csrf: &'a str,
    error: Option<&'a str>,
    /// Where the sign-in goes once done (checked; empty for the home page).
    next: &'a str,
}

/// `?next=` on the second-step pages.
#[derive(serde::Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

impl NextQuery {
    fn target(&self) -> &str {
        next_target(&self.next).unwrap_or("")
    }
}

/// A form's `next` field, checked.
fn next_of(form: &SecureForm) -> &str {
    next_target(form.get("next")).unwrap_or("")
}

#[derive(Template)]
#[template(path = "account/totp.html")]
struct EnrolPage<'a> {
    csrf: &'a str,
    action: &'a str,
    /// Where "back" goes: "Your account" when signed in, none at sign-in.
    back: Option<&'a str>,
    enrolment: Option<&'a totp::Enrolment>,
    codes_left: i64,
    error: Option<&'a str>,
    /// The server has no `TOTP_KEY`: nothing to enrol with.
    unavailable: bool,
    /// At sign-in: where it goes once done (empty otherwise).
    next: &'a str,
}

#[derive(Template)]
#[template(path = "account/recovery_codes.html")]
struct CodesPage<'a> {
    codes: &'a [String],
    next: &'a str,
}

const WRONG_CODE: &str =
    "That code is not right, or was already used. Type the 6-digit code your app shows now, or a recovery code.";

/// The open challenge of this browser: (cookie value, account).
async fn challenge(state: &AppState, req: &HttpRequest) -> Result<Option<(String, AccountId)>> {
    let Some(token) = req
        .cookie(challenge_cookie_name(state.settings.is_https()))
        .map(|c| c.value().to_string())
    else {
        return Ok(None);
    };
    let now = state.clock.now();
    let t = token.clone();
    let account = totp::challenge_account(&state.db, t, now).await?;
    Ok(account.map(|a| (token, a)))
}

fn browser_of(req: &HttpRequest) -> String {
    crate::auth::browser::family(
        req.headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    )
}

/// Closes the challenge and signs in: the session cookie, no challenge cookie.
async fn finish(
    state: &AppState,
    req: &HttpRequest,
    token: String,
    account: AccountId,
    ip: Option<String>,
) -> Result<Option<(Cookie<'static>, Cookie<'static>)>> {
    let now = state.clock.now();
    let browser = browser_of(req);
    let lifetimes = state.settings.sessions;
    let session = totp::finish_sign_in(&state.db, token, account, ip, browser, now, lifetimes).await?;
    let https = state.settings.is_https();
    Ok(session.map(|s| (session_cookie(s, https), expired_challenge_cookie(https))))
}

/// A wrong code at either step: spends the account's budget, audited.
async fn failed(state: &AppState, account: AccountId, ip: Option<String>) -> Result<()> {
    let _ = state.throttle.second_step_failed(account.0);
    let now = state.clock.now();
    totp::record_failure(&state.db, account, ip, now).await
}

pub async fn code_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    q: web::Query<NextQuery>,
) -> Result<HttpResponse> {
    if challenge(&state, &req).await?.is_none() {
        return Ok(see_other(&with_next("/login", q.target())));
    }
    page(&CodePage {
        csrf: visitor.csrf(),
        error: None,
        next: q.target(),
    })
}

pub async fn submit_code(state: web::Data<AppState>, req: HttpRequest, form: SecureForm) -> Result<HttpResponse> {
    let next = next_of(&form).to_string();
    let Some((token, account)) = challenge(&state, &req).await? else {
        return Ok(see_other(&with_next("/login", &next)));
    };
    let ip = form.visitor.ip.clone();
    state.throttle.second_step_allowed(ip.as_deref(), account.0)?;
    let typed = form.get("code").to_string();
    let now = state.clock.now();
    let key = state.settings.totp_key.clone();
    let ok = totp::verify(&state.db, key, account, typed, now).await?;
    if ok {
        if let Some((session, gone)) = finish(&state, &req, token, account, ip).await? {
            let mut resp = see_other(&landing(AccountKind::Staff, &next));
            resp.add_cookie(&session).map_err(|e| Error::Internal(e.to_string()))?;
            resp.add_cookie(&gone).map_err(|e| Error::Internal(e.to_string()))?;
            return Ok(resp);
        }
        return Ok(see_other("/login"));
    }
    failed(&state, account, ip).await?;
    render(
        StatusCode::UNAUTHORIZED,
        &CodePage {
            csrf: form.visitor.csrf(),
            error: Some(WRONG_CODE),
            next: &next,
        },
    )
}

pub async fn enrol_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    q: web::Query<NextQuery>,
) -> Result<HttpResponse> {
    let Some((_, account)) = challenge(&state, &req).await? else {
        return Ok(see_other(&with_next("/login", q.target())));
    };
    let now = state.clock.now();
    let key = state.settings.totp_key.clone();
    let enrolment = match totp::begin(&state.db, key, account, now).await {
        Ok(e) => e,
        // Already enrolled (e.g. in another tab): the code step, then.
        Err(Error::Conflict(_)) => return Ok(see_other(&with_next("/login/totp", q.target()))),
        Err(e) => return Err(e),
    };
    page(&EnrolPage {
        csrf: visitor.csrf(),
        action: "/login/totp/enrol",
        back: None,
        enrolment: Some(&enrolment),
        codes_left: 0,
        error: None,
        unavailable: false,
        next: q.target(),
    })
}

/// Confirms an enrolment's first code; on a wrong one, the same page again.
async fn confirm(
    state: &AppState,
    account: AccountId,
    form: &SecureForm,
) -> Result<std::result::Result<Vec<String>, totp::Enrolment>> {
    let ip = form.visitor.ip.clone();
    state.throttle.second_step_allowed(ip.as_deref(), account.0)?;
    let now = state.clock.now();
    let key = state.settings.totp_key.clone();
    let typed = form.get("code").to_string();
    let ip_c = ip.clone();
    let codes = totp::confirm(&state.db, key, account, typed, ip_c, now).await?;
    match codes {
        Some(codes) => Ok(Ok(codes)),
        None => {
            failed(state, account, ip).await?;
            let key = state.settings.totp_key.clone();
            let enrolment = totp::begin(&state.db, key, account, now).await?;
            Ok(Err(enrolment))
        }
    }
}

pub async fn enrol(state: web::Data<AppState>, req: HttpRequest, form: SecureForm) -> Result<HttpResponse> {
    let next = next_of(&form).to_string();
    let Some((token, account)) = challenge(&state, &req).await? else {
        return Ok(see_other(&with_next("/login", &next)));
    };
    match confirm(&state, account, &form).await? {
        Ok(codes) => {
            let Some((session, gone)) = finish(&state, &req, token, account, form.visitor.ip.clone()).await? else {
                return Ok(see_other(&with_next("/login", &next)));
            };
            let mut resp = page(&CodesPage {
                codes: &codes,
                next: &landing(AccountKind::Staff, &next),
            })?;
            resp.add_cookie(&session).map_err(|e| Error::Internal(e.to_string()))?;
            resp.add_cookie(&gone).map_err(|e| Error::Internal(e.to_string()))?;
            Ok(resp)
        }
        Err(enrolment) => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &EnrolPage {
                csrf: form.visitor.csrf(),
                action: "/login/totp/enrol",
                back: None,
                enrolment: Some(&enrolment),
                codes_left: 0,
                error: Some(WRONG_CODE),
                unavailable: false,
                next: &next,
            },
        ),
    }
}

/// "Your account" → two-step sign-in: its state, or an enrolment.
pub async fn account_page(state: web::Data<AppState>, user: StaffUser) -> Result<HttpResponse> {
    let account = user.staff.account_id;
    let now = state.clock.now();
    let key = state.settings.totp_key.clone();
    let (enrolment, left) = totp::account_state(&state.db, key, account, now).await?;
    page(&EnrolPage {
        csrf: &user.session.csrf,
        action: "/account/totp",
        back: Some("/account/password"),
        enrolment: enrolment.as_ref(),
        codes_left: left,
        error: None,
        unavailable: left < 0,
        next: "",
    })
}

pub async fn account_enrol(state: web::Data<AppState>, user: StaffUser, form: SecureForm) -> Result<HttpResponse> {
    match confirm(&state, user.staff.account_id, &form).await? {
        Ok(codes) => page(&CodesPage {
            codes: &codes,
            next: "/account/totp",
        }),
        Err(enrolment) => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &EnrolPage {
                csrf: &user.session.csrf,
                action: "/account/totp",
                back: Some("/account/password"),
                enrolment: Some(&enrolment),
                codes_left: 0,
                error: Some(WRONG_CODE),
                unavailable: false,
                next: "",
            },
        ),
    }
}

/// An admin resets another staff member's second factor.
pub async fn reset(
    state: web::Data<AppState>,
    user: AdminUser,
    path: web::Path<i64>,
    _form: SecureForm,
) -> Result<HttpResponse> {
    let id = StaffId(path.into_inner());
    if id == user.0.staff.id {
        return Err(Error::Conflict(
            "You cannot reset your own second factor here. Ask another admin of your clinic, or use a recovery code."
                .into(),
        ));
    }
    let now = state.clock.now();
    let actor = user.0.actor();
    let clinic = user.0.clinic.id;
    totp::reset(&state.db, actor, clinic, id, now).await?;
    Ok(see_other("/clinic/staff?notice=totp-reset"))
}

/// An admin requires (or stops requiring) two-step sign-in for the clinic.
pub async fn set_required(state: web::Data<AppState>, user: AdminUser, form: SecureForm) -> Result<HttpResponse> {
    let required = form.checked("require_totp");
    let now = state.clock.now();
    let actor = user.0.actor();
    let clinic = user.0.clinic.id;
    totp::set_required(&state.db, actor, clinic, required, now).await?;
    Ok(see_other("/clinic/staff?notice=totp-required"))
}
