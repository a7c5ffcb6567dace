//! A person's own account: accepting an invite, forgotten and reset
//! passwords, changing the password, signing out everywhere.

use super::error::{page, render, see_other};
use super::session::{expired_session_cookie, session_cookie, SecureForm, SignedIn, Visitor};
use super::AppState;
use crate::app::accounts::{self, LinkUsed};
use crate::app::notify::MailContext;
use crate::auth::password::{NewPassword, PasswordError};
use crate::auth::throttle::{Action, ForgotVerdict};
use crate::domain::{AccountId, AccountKind, EmailAddress, FieldErrors, TokenPurpose};
use crate::error::{Error, Result};
use crate::i18n::Tr;
use crate::web::view::form::FormState;
use crate::web::view::lang::{of_session, LangLink, PageLang};
use crate::web::view::notice::NoticeQuery;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

/// "Forgot password" answers no sooner than this, whether or not the address
/// has an account, so timing does not tell which.
const FORGOT_MIN_DURATION: std::time::Duration = std::time::Duration::from_millis(400);

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// The page to choose a password, for an invite or a reset link.
#[derive(Template)]
#[template(path = "account/choose_password.html")]
struct ChoosePassword<'a> {
    tr: Tr,
    switch: &'a [LangLink],
    csrf: &'a str,
    title: String,
    intro: String,
    action: &'a str,
    button: String,
    token: &'a str,
    form: FormState,
    /// The account's email, in a hidden `autocomplete="username"` field so a
    /// password manager files the new password under the right account.
    username: &'a str,
}

#[derive(Template)]
#[template(path = "account/link_invalid.html")]
struct LinkInvalid<'a> {
    tr: Tr,
    switch: &'a [LangLink],
    invite: bool,
}

fn link_invalid(lang: &PageLang, purpose: TokenPurpose) -> Result<HttpResponse> {
    render(
        StatusCode::NOT_FOUND,
        &LinkInvalid {
            tr: lang.tr,
            switch: &lang.switch,
            invite: purpose == TokenPurpose::Invite,
        },
    )
    .map(|r| lang.keep(r))
}

async fn link_account(
    state: &AppState,
    purpose: TokenPurpose,
    token: &str,
) -> Result<Option<(AccountId, AccountKind, String)>> {
    accounts::link_account(&state.db, purpose, token, state.clock.now()).await
}

/// The choose-a-password page for an invite or a reset link.
fn choose_password<'a>(
    lang: &'a PageLang,
    csrf: &'a str,
    purpose: TokenPurpose,
    token: &'a str,
    form: FormState,
    username: &'a str,
) -> ChoosePassword<'a> {
    let (prefix, action) = match purpose {
        TokenPurpose::Invite => ("invite", "/invite"),
        _ => ("reset", "/reset"),
    };
    let tr = lang.tr;
    ChoosePassword {
        tr,
        switch: &lang.switch,
        csrf,
        title: tr.t(&format!("{prefix}-title")),
        intro: tr.t(&format!("{prefix}-intro")),
        action,
        button: tr.t(&format!("{prefix}-button")),
        token,
        form,
        username,
    }
}

async fn choose_page(
    state: &AppState,
    visitor: &Visitor,
    lang: &PageLang,
    purpose: TokenPurpose,
    token: &str,
) -> Result<HttpResponse> {
    let Some((_, _, email)) = link_account(state, purpose, token).await? else {
        return link_invalid(lang, purpose);
    };
    page(&choose_password(
        lang,
        visitor.csrf(),
        purpose,
        token,
        FormState::default(),
        &email,
    ))
    .map(|r| lang.keep(r))
}

pub async fn invite_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    lang: PageLang,
    q: web::Query<TokenQuery>,
) -> Result<HttpResponse> {
    choose_page(&state, &visitor, &lang, TokenPurpose::Invite, &q.token).await
}

pub async fn reset_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    lang: PageLang,
    q: web::Query<TokenQuery>,
) -> Result<HttpResponse> {
    choose_page(&state, &visitor, &lang, TokenPurpose::Reset, &q.token).await
}

/// What is wrong with a new password, in the reader's language.
fn password_problem(tr: Tr, e: &PasswordError) -> String {
    tr.t(match e {
        PasswordError::TooShort => "password-too-short",
        PasswordError::TooLong => "password-too-long",
        PasswordError::Common => "password-common",
        PasswordError::ControlCharacters => "password-control",
    })
}

/// A new password and its confirmation, checked; errors by field.
fn new_password(
    tr: Tr,
    form: &SecureForm,
    field: &'static str,
    confirm: &'static str,
) -> Result<NewPassword, FieldErrors> {
    let mut errors = FieldErrors::default();
    let typed = form.get(field);
    let parsed = NewPassword::parse(typed)
        .map_err(|e| errors.add(field, password_problem(tr, &e)))
        .ok();
    if parsed.is_some() && form.get(confirm) != typed {
        errors.add(confirm, tr.t("password-mismatch"));
    }
    match parsed {
        Some(p) if errors.is_empty() => Ok(p),
        _ => Err(errors),
    }
}

/// Invite and reset links, submitted: sets the password and uses the link up.
async fn use_link(
    state: web::Data<AppState>,
    form: SecureForm,
    lang: PageLang,
    purpose: TokenPurpose,
) -> Result<HttpResponse> {
    let token = form.get("token").to_string();
    let Some((account, kind, email)) = link_account(&state, purpose, &token).await? else {
        state
            .throttle
            .attempt(throttle_action(purpose), form.visitor.ip.as_deref(), None)?;
        return link_invalid(&lang, purpose);
    };
    state.throttle.attempt(
        throttle_action(purpose),
        form.visitor.ip.as_deref(),
        Some(&format!("account:{account}")),
    )?;
    let password = match new_password(lang.tr, &form, "password", "confirm") {
        Ok(p) => p,
        Err(errors) => {
            let p = choose_password(
                &lang,
                form.visitor.csrf(),
                purpose,
                &token,
                FormState::errors(errors),
                &email,
            );
            return render(StatusCode::UNPROCESSABLE_ENTITY, &p);
        }
    };
    let used = accounts::use_link(
        &state.db,
        purpose,
        &token,
        account,
        kind,
        password,
        form.visitor.ip.clone(),
        state.clock.now(),
        state.settings.sessions,
    )
    .await?;
    match used {
        LinkUsed::Invalid => link_invalid(&lang, purpose),
        LinkUsed::PasswordSet { session: Some(cookie) } => {
            let mut resp = see_other(match kind {
                AccountKind::Staff => "/clinic",
                AccountKind::Patient => "/",
            });
            resp.add_cookie(&session_cookie(cookie, state.settings.is_https()))
                .map_err(|e| Error::Internal(e.to_string()))?;
            Ok(resp)
        }
        LinkUsed::PasswordSet { session: None } => {
            // Any session this browser had is gone with the others.
            let mut resp = see_other("/login?notice=password");
            resp.add_cookie(&expired_session_cookie(state.settings.is_https()))
                .map_err(|e| Error::Internal(e.to_string()))?;
            Ok(resp)
        }
    }
}

fn throttle_action(purpose: TokenPurpose) -> Action {
    match purpose {
        TokenPurpose::Invite => Action::Invite,
        _ => Action::Reset,
    }
}

pub async fn accept_invite(state: web::Data<AppState>, form: SecureForm, lang: PageLang) -> Result<HttpResponse> {
    use_link(state, form, lang, TokenPurpose::Invite).await
}

pub async fn reset(state: web::Data<AppState>, form: SecureForm, lang: PageLang) -> Result<HttpResponse> {
    use_link(state, form, lang, TokenPurpose::Reset).await
}

#[derive(Template)]
#[template(path = "account/forgot.html")]
struct ForgotPage<'a> {
    tr: Tr,
    switch: &'a [LangLink],
    csrf: &'a str,
    email: &'a str,
    error: Option<String>,
    sent: bool,
}

pub async fn forgot_page(visitor: Visitor, lang: PageLang) -> Result<HttpResponse> {
    page(&ForgotPage {
        tr: lang.tr,
        switch: &lang.switch,
        csrf: visitor.csrf(),
        email: "",
        error: None,
        sent: false,
    })
    .map(|r| lang.keep(r))
}

pub async fn forgot(state: web::Data<AppState>, form: SecureForm, lang: PageLang) -> Result<HttpResponse> {
    let started = tokio::time::Instant::now();
    let typed = form.get("email").trim().to_string();
    let Ok(email) = EmailAddress::parse(&typed) else {
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ForgotPage {
                tr: lang.tr,
                switch: &lang.switch,
                csrf: form.visitor.csrf(),
                email: &typed,
                error: Some(lang.tr.t("forgot-bad-email")),
                sent: false,
            },
        );
    };
    let verdict = state.throttle.forgot(form.visitor.ip.as_deref(), email.as_str())?;
    if verdict == ForgotVerdict::Capped {
        // Same answer, no email: a victim is not flooded.
        tracing::warn!(
            domain = email.domain(),
            "reset email not sent: the account's hourly cap is reached"
        );
    }
    let mail = MailContext::from_settings(&state.settings);
    accounts::request_reset(
        &state.db,
        mail,
        email.clone(),
        verdict,
        form.visitor.ip.clone(),
        state.clock.now(),
    )
    .await?;
    tokio::time::sleep_until(started + FORGOT_MIN_DURATION).await;
    page(&ForgotPage {
        tr: lang.tr,
        switch: &lang.switch,
        csrf: form.visitor.csrf(),
        email: email.as_str(),
        error: None,
        sent: true,
    })
}

#[derive(Template)]
#[template(path = "account/password.html")]
struct PasswordPage<'a> {
    tr: Tr,
    csrf: &'a str,
    home: &'a str,
    notice: Option<&'a str>,
    form: FormState,
    sessions: Vec<super::account_sessions::SessionItem>,
}

pub async fn password_page(
    state: web::Data<AppState>,
    user: SignedIn,
    q: web::Query<NoticeQuery>,
) -> Result<HttpResponse> {
    let tr = of_session(&state, &user.session).await;
    let notice = q.notice.as_deref().and_then(|c| account_notice(tr, c));
    page(&PasswordPage {
        tr,
        csrf: &user.session.csrf,
        home: user.home(),
        notice: notice.as_deref(),
        form: FormState::default(),
        sessions: super::account_sessions::items(&state, &user, tr).await?,
    })
}

/// The notices this page shows, in the reader's language.
fn account_notice(tr: Tr, code: &str) -> Option<String> {
    matches!(code, "changed" | "session-ended" | "session-gone").then(|| tr.t(&format!("notice-{code}")))
}

pub async fn change_password(state: web::Data<AppState>, user: SignedIn, form: SecureForm) -> Result<HttpResponse> {
    let account = user.session.account;
    state.throttle.attempt(
        Action::ChangePassword,
        user.ip.as_deref(),
        Some(&format!("account:{account}")),
    )?;
    let tr = of_session(&state, &user.session).await;
    let sessions = super::account_sessions::items(&state, &user, tr).await?;
    let fail = |errors: &FieldErrors| {
        render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PasswordPage {
                tr,
                csrf: &user.session.csrf,
                home: user.home(),
                notice: None,
                form: FormState::errors(errors.clone()),
                sessions,
            },
        )
    };
    let new = match new_password(tr, &form, "password", "confirm") {
        Ok(p) => p,
        Err(mut errors) => {
            if form.get("current").is_empty() {
                errors.add("current", tr.t("account-current-missing"));
            }
            return fail(&errors);
        }
    };
    let changed = accounts::change_password(
        &state.db,
        account,
        user.session.kind,
        user.session.id_hash.clone(),
        form.get("current").to_string(),
        new,
        user.ip.clone(),
        state.clock.now(),
    )
    .await?;
    if !changed {
        return fail(&FieldErrors::single("current", tr.t("account-current-wrong")));
    }
    Ok(see_other("/account/password?notice=changed"))
}

pub async fn sign_out_everywhere(
    state: web::Data<AppState>,
    user: SignedIn,
    _form: SecureForm,
) -> Result<HttpResponse> {
    let (account, kind) = (user.session.account, user.session.kind);
    accounts::sign_out_everywhere(&state.db, account, kind, user.ip.clone(), state.clock.now()).await?;
    let mut resp = see_other("/login?notice=signed-out-everywhere");
    resp.add_cookie(&expired_session_cookie(state.settings.is_https()))
        .map_err(|e| Error::Internal(e.to_string()))?;
    Ok(resp)
}
