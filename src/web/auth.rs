//! Sign-in, sign-out, first-run setup, and the front door that sends each
//! person to their own home.

use super::error::{page, render, see_other};
use super::session::{device_cookie, device_of, expired_session_cookie, session_cookie, SecureForm, Visitor};
use super::AppState;
use crate::app::onboarding::{self, ClinicInput, SetupInput};
use crate::auth::password::NewPassword;
use crate::auth::signin;
use crate::auth::throttle::Spent;
use crate::db::accounts;
use crate::domain::{parse_name, AccountKind, EmailAddress, FieldErrors, TokenPurpose};
use crate::error::{Error, Result};
use crate::i18n::Tr;
use crate::web::view::form::FormState;
use crate::web::view::landing::{landing, next_target, with_next};
use crate::web::view::lang::{LangLink, PageLang};
use crate::web::view::notice::notice_text;
use crate::web::view::timezones::{zone_select, ZoneSelect};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage<'a> {
    tr: Tr,
    switch: &'a [LangLink],
    csrf: &'a str,
    email: &'a str,
    error: Option<String>,
    notice: Option<String>,
    needs_setup: bool,
    /// Where to go after signing in (already checked: a path on this site).
    next: &'a str,
}

/// The notices a patient can meet on the sign-in page, in their language;
/// the others (first-run setup) stay in English.
fn login_notice(tr: Tr, code: &str) -> Option<String> {
    match code {
        "signed-out" | "password" | "signed-out-everywhere" | "changed" => Some(tr.t(&format!("notice-{code}"))),
        _ => notice_text(code).map(str::to_string),
    }
}

#[derive(Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    notice: Option<String>,
    #[serde(default)]
    next: Option<String>,
}

pub async fn login_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    lang: PageLang,
    q: web::Query<LoginQuery>,
) -> Result<HttpResponse> {
    let next = q.next.as_deref().and_then(next_target).unwrap_or("");
    if let Some(s) = &visitor.session {
        return Ok(see_other(&landing(s.kind, next)));
    }
    let needs_setup = needs_setup(&state).await?;
    page(&LoginPage {
        tr: lang.tr,
        switch: &lang.switch,
        csrf: visitor.csrf(),
        email: "",
        error: None,
        notice: q.notice.as_deref().and_then(|c| login_notice(lang.tr, c)),
        needs_setup,
        next,
    })
    .map(|r| lang.keep(r))
}

async fn needs_setup(state: &AppState) -> Result<bool> {
    state.db.read_async(onboarding::needs_setup).await
}

pub async fn login(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    form: SecureForm,
    lang: PageLang,
) -> Result<HttpResponse> {
    let email = form.get("email").trim().to_string();
    let password = form.get("password").to_string();
    let next = next_target(form.get("next")).unwrap_or("").to_string();
    let ip = form.visitor.ip.clone();
    let https = state.settings.is_https();
    // Keyed by the normalised address, so "A@x" and "a@x " share one budget.
    let account_key = EmailAddress::parse(&email)
        .map(|e| e.as_str().to_string())
        .unwrap_or_else(|_| email.to_lowercase());
    let device = device_of(&req, https);
    let (device_c, email_c) = (device.clone(), email.clone());
    let trusted = state
        .db
        .run(move |db| signin::device_trusted(db, device_c.as_deref(), &email_c))
        .await?;
    let trusted_device = device.as_deref().filter(|_| trusted);
    if let Err(e) = state
        .throttle
        .sign_in_allowed(ip.as_deref(), &account_key, trusted_device)
    {
        tracing::warn!(trusted, "sign-in refused by the throttle");
        return Err(e);
    }
    // A browser without a device cookie gets one with its first sign-in.
    let (new_device, device_hash) = match &device {
        Some(h) => (None, h.clone()),
        None => {
            let (token, hash) = crate::auth::tokens::generate();
            (Some(token), hash)
        }
    };
    let browser = crate::auth::browser::family(
        req.headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    );
    let now = state.clock.now();
    let st = state.clone();
    let email_c = email.clone();
    let ip_c = ip.clone();
    let signed_in = state
        .db
        .run(move |db| {
            let from = signin::Device {
                cookie_hash: &device_hash,
                browser: &browser,
            };
            signin::sign_in(db, &email_c, &password, ip_c, now, &st.settings.sessions, &from)
        })
        .await?;
    let add_device = |resp: &mut HttpResponse| -> Result<()> {
        if let Some(token) = new_device.clone() {
            resp.add_cookie(&device_cookie(token, https))
                .map_err(|e| Error::Internal(e.to_string()))?;
        }
        Ok(())
    };
    match signed_in {
        Some(signin::Outcome::SecondStep { challenge, step }) => {
            let mut resp = see_other(&with_next(super::totp::step_path(step), &next));
            resp.add_cookie(&super::totp::challenge_cookie(challenge, https))
                .map_err(|e| Error::Internal(e.to_string()))?;
            add_device(&mut resp)?;
            Ok(resp)
        }
        Some(signin::Outcome::Session(new)) => {
            // The old session (if any) ends: one browser, one session.
            if let Some(old) = &form.visitor.session {
                let id = old.id_hash.clone();
                let _ = state
                    .db
                    .run(move |db| crate::app::accounts::drop_session(db, &id))
                    .await;
            }
            let mut resp = see_other(&landing(new.kind, &next));
            resp.add_cookie(&session_cookie(new.token, https))
                .map_err(|e| Error::Internal(e.to_string()))?;
            add_device(&mut resp)?;
            Ok(resp)
        }
        None => {
            if state.throttle.sign_in_failed(&account_key, trusted_device) == Spent::JustRanOut && !trusted {
                state
                    .db
                    .run(move |db| signin::record_lockout(db, &email, ip, now))
                    .await?;
            }
            render(
                StatusCode::UNAUTHORIZED,
                &LoginPage {
                    tr: lang.tr,
                    switch: &lang.switch,
                    csrf: form.visitor.csrf(),
                    email: form.get("email").trim(),
                    error: Some(lang.tr.t("login-wrong")),
                    notice: None,
                    needs_setup: false,
                    next: &next,
                },
            )
        }
    }
}

pub async fn logout(state: web::Data<AppState>, form: SecureForm) -> Result<HttpResponse> {
    if let Some(s) = form.visitor.session.clone() {
        let now = state.clock.now();
        let ip = form.visitor.ip.clone();
        state
            .db
            .run(move |db| signin::sign_out(db, &s.id_hash, s.account, s.kind, ip, now))
            .await?;
    }
    let mut resp = see_other("/login?notice=signed-out");
    resp.add_cookie(&expired_session_cookie(state.settings.is_https()))
        .map_err(|e| Error::Internal(e.to_string()))?;
    Ok(resp)
}

#[derive(Template)]
#[template(path = "auth/setup.html")]
struct SetupPage<'a> {
    csrf: &'a str,
    token: &'a str,
    form: FormState,
    zones: ZoneSelect,
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

async fn setup_token_valid(state: &AppState, token: &str) -> Result<bool> {
    if token.is_empty() || token.len() > 64 {
        return Ok(false);
    }
    let hash = crate::auth::tokens::hash(token);
    let now = state.clock.now().naive_utc();
    state
        .db
        .read_async(move |c| accounts::peek_token(c, TokenPurpose::Setup, &hash, now).map_err(Error::from))
        .await
        .map(|t| t.is_some())
}

pub async fn setup_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    q: web::Query<TokenQuery>,
) -> Result<HttpResponse> {
    if !setup_token_valid(&state, &q.token).await? {
        return Err(Error::NotFound);
    }
    page(&SetupPage {
        csrf: visitor.csrf(),
        token: &q.token,
        form: FormState::default(),
        zones: zone_select(""),
    })
}

pub async fn setup(state: web::Data<AppState>, form: SecureForm) -> Result<HttpResponse> {
    let token = form.get("token").to_string();
    if !setup_token_valid(&state, &token).await? {
        return Err(Error::NotFound);
    }
    let mut errors = FieldErrors::default();
    let clinic = match ClinicInput::parse(
        form.get("clinic_name"),
        form.get("timezone"),
        form.get("phone"),
        form.get("alert_email"),
    ) {
        Ok(c) => Some(c),
        Err(Error::Invalid(e)) => {
            errors.merge(e);
            None
        }
        Err(e) => return Err(e),
    };
    let admin_name = parse_name(form.get("admin_name"))
        .map_err(|m| errors.add("admin_name", m))
        .ok();
    let admin_email = EmailAddress::parse(form.get("admin_email"))
        .map_err(|e| errors.add("admin_email", e.to_string()))
        .ok();
    let password = NewPassword::parse(form.get("password"))
        .map_err(|e| errors.add("password", e.to_string()))
        .ok();
    let (Some(clinic), Some(admin_name), Some(admin_email), Some(password)) =
        (clinic, admin_name, admin_email, password)
    else {
        let mut values = form.fields.clone();
        values.remove("password");
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &SetupPage {
                csrf: form.visitor.csrf(),
                token: &token,
                zones: zone_select(form.get("timezone")),
                form: FormState::new(values, errors),
            },
        );
    };
    let input = SetupInput {
        clinic,
        admin_name,
        admin_email,
        password,
    };
    onboarding::complete_setup(&state.db, token, input, state.clock.now(), form.visitor.ip.clone()).await?;
    Ok(see_other("/login?notice=setup"))
}

#[derive(Template)]
#[template(path = "auth/not_set_up.html")]
struct NotSetUpPage;

/// The front door: setup notice, sign-in, or the person's own home.
pub async fn home(state: web::Data<AppState>, visitor: Visitor, req: actix_web::HttpRequest) -> Result<HttpResponse> {
    match &visitor.session {
        None => {
            if needs_setup(&state).await? {
                return page(&NotSetUpPage);
            }
            Ok(see_other("/login"))
        }
        Some(s) if s.kind == AccountKind::Staff => Ok(see_other("/clinic")),
        Some(_) => {
            let mut payload = actix_web::dev::Payload::None;
            let patient =
                <super::session::PatientUser as actix_web::FromRequest>::from_request(&req, &mut payload).await?;
            let query: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
            let notice = query.iter().find(|(k, _)| k == "notice").map(|(_, v)| v.as_str());
            crate::web::patient_home(&state, patient, notice).await
        }
    }
}
