//! A person's own account: accepting an invite, forgotten and reset
//! passwords, changing the password, signing out everywhere.

use super::error::{page, render, see_other};
use super::session::{expired_session_cookie, session_cookie, SecureForm, SignedIn, Visitor};
use super::AppState;
use crate::app::notify::{self, MailContext};
use crate::app::onboarding;
use crate::auth::password::{self, NewPassword};
use crate::auth::throttle::{Action, ForgotVerdict};
use crate::auth::{signin, tokens};
use crate::db::{accounts, sessions, staff_clinic};
use crate::domain::{AccountId, AccountKind, EmailAddress, FieldErrors, TokenPurpose};
use crate::error::{Error, Result};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

/// How long a reset link stays valid.
pub const RESET_LIFETIME: chrono::Duration = chrono::Duration::hours(1);

/// "Forgot password" answers no sooner than this, whether or not the address
/// has an account, so timing does not tell which.
const FORGOT_MIN_DURATION: std::time::Duration = std::time::Duration::from_millis(400);

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

#[derive(Deserialize)]
pub struct NoticeQuery {
    #[serde(default)]
    notice: Option<String>,
}

/// The page to choose a password, for an invite or a reset link.
#[derive(Template)]
#[template(path = "account/choose_password.html")]
struct ChoosePassword<'a> {
    csrf: &'a str,
    title: &'a str,
    intro: &'a str,
    action: &'a str,
    button: &'a str,
    token: &'a str,
    errors: &'a FieldErrors,
}

impl ChoosePassword<'_> {
    fn error(&self, k: &str) -> Option<&str> {
        self.errors.get(k)
    }
}

#[derive(Template)]
#[template(path = "account/link_invalid.html")]
struct LinkInvalid {
    invite: bool,
}

fn link_invalid(purpose: TokenPurpose) -> Result<HttpResponse> {
    render(
        StatusCode::NOT_FOUND,
        &LinkInvalid {
            invite: purpose == TokenPurpose::Invite,
        },
    )
}

/// The account a usable link belongs to (the account must exist and be enabled).
async fn link_account(
    state: &AppState,
    purpose: TokenPurpose,
    token: &str,
) -> Result<Option<(AccountId, AccountKind)>> {
    if token.is_empty() || token.len() > 64 {
        return Ok(None);
    }
    let hash = tokens::hash(token);
    let now = state.clock.now().naive_utc();
    state
        .db
        .run(move |db| {
            db.read(|c| {
                let Some(Some(id)) = accounts::peek_token(c, purpose, &hash, now)? else {
                    return Ok(None);
                };
                Ok::<_, Error>(accounts::get(c, id)?.filter(|a| !a.disabled).map(|a| (a.id, a.kind)))
            })
        })
        .await
}

struct LinkTexts {
    title: &'static str,
    intro: &'static str,
    action: &'static str,
    button: &'static str,
}

fn texts(purpose: TokenPurpose) -> LinkTexts {
    match purpose {
        TokenPurpose::Invite => LinkTexts {
            title: "Choose your password",
            intro: "Welcome to Aftercare. Choose a password to finish setting up your account. Use at least 8 characters; a few unrelated words work well.",
            action: "/invite",
            button: "Save password and continue",
        },
        _ => LinkTexts {
            title: "Choose a new password",
            intro: "Choose a new password for your account. Use at least 8 characters; a few unrelated words work well. You will be signed out everywhere else.",
            action: "/reset",
            button: "Save new password",
        },
    }
}

async fn choose_page(state: &AppState, visitor: &Visitor, purpose: TokenPurpose, token: &str) -> Result<HttpResponse> {
    if link_account(state, purpose, token).await?.is_none() {
        return link_invalid(purpose);
    }
    let t = texts(purpose);
    page(&ChoosePassword {
        csrf: visitor.csrf(),
        title: t.title,
        intro: t.intro,
        action: t.action,
        button: t.button,
        token,
        errors: &FieldErrors::default(),
    })
}

pub async fn invite_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    q: web::Query<TokenQuery>,
) -> Result<HttpResponse> {
    choose_page(&state, &visitor, TokenPurpose::Invite, &q.token).await
}

pub async fn reset_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    q: web::Query<TokenQuery>,
) -> Result<HttpResponse> {
    choose_page(&state, &visitor, TokenPurpose::Reset, &q.token).await
}

/// A new password and its confirmation, checked; errors by field.
fn new_password(form: &SecureForm, field: &'static str, confirm: &'static str) -> Result<NewPassword, FieldErrors> {
    let mut errors = FieldErrors::default();
    let typed = form.get(field);
    let parsed = NewPassword::parse(typed)
        .map_err(|e| errors.add(field, e.to_string()))
        .ok();
    if parsed.is_some() && form.get(confirm) != typed {
        errors.add(confirm, "the two passwords are not the same: type it again");
    }
    match parsed {
        Some(p) if errors.is_empty() => Ok(p),
        _ => Err(errors),
    }
}

/// Invite and reset links, submitted: sets the password and uses the link up.
async fn use_link(state: web::Data<AppState>, form: SecureForm, purpose: TokenPurpose) -> Result<HttpResponse> {
    let token = form.get("token").to_string();
    let Some((account, kind)) = link_account(&state, purpose, &token).await? else {
        state
            .throttle
            .attempt(throttle_action(purpose), form.visitor.ip.as_deref(), None)?;
        return link_invalid(purpose);
    };
    state.throttle.attempt(
        throttle_action(purpose),
        form.visitor.ip.as_deref(),
        Some(&format!("account:{account}")),
    )?;
    let password = match new_password(&form, "password", "confirm") {
        Ok(p) => p,
        Err(errors) => {
            let t = texts(purpose);
            return render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ChoosePassword {
                    csrf: form.visitor.csrf(),
                    title: t.title,
                    intro: t.intro,
                    action: t.action,
                    button: t.button,
                    token: &token,
                    errors: &errors,
                },
            );
        }
    };
    let now = state.clock.now();
    let ip = form.visitor.ip.clone();
    let lifetimes = state.settings.sessions;
    let hash_of_token = tokens::hash(&token);
    let sign_in_now = purpose == TokenPurpose::Invite;
    let new_session = state
        .db
        .run(move |db| {
            let hash = onboarding::hash_password(&password)?;
            db.write(|c| {
                // Used up atomically: of two tabs submitting, one wins.
                if accounts::consume_token(c, purpose, &hash_of_token, now.naive_utc())? != Some(Some(account)) {
                    return Ok(None);
                }
                accounts::set_password_hash(c, account, &hash, now.naive_utc())?;
                // A new password ends every session the old one opened.
                sessions::delete_all(c, account, None)?;
                accounts::retire_tokens(c, TokenPurpose::Reset, Some(account), now.naive_utc())?;
                let action = match purpose {
                    TokenPurpose::Invite => "invite.accept",
                    _ => "password.reset",
                };
                signin::audit_self(c, account, kind, ip.clone(), action, now)?;
                if sign_in_now {
                    let token = signin::open_session(c, account, kind, ip.clone(), now, &lifetimes)?;
                    signin::audit_self(c, account, kind, ip.clone(), "signin.success", now)?;
                    Ok::<_, Error>(Some(Some(token)))
                } else {
                    Ok(Some(None))
                }
            })
        })
        .await?;
    match new_session {
        None => link_invalid(purpose),
        Some(Some(cookie)) => {
            let mut resp = see_other(match kind {
                AccountKind::Staff => "/clinic",
                AccountKind::Patient => "/",
            });
            resp.add_cookie(&session_cookie(cookie, state.settings.is_https()))
                .map_err(|e| Error::Internal(e.to_string()))?;
            Ok(resp)
        }
        Some(None) => {
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

pub async fn accept_invite(state: web::Data<AppState>, form: SecureForm) -> Result<HttpResponse> {
    use_link(state, form, TokenPurpose::Invite).await
}

pub async fn reset(state: web::Data<AppState>, form: SecureForm) -> Result<HttpResponse> {
    use_link(state, form, TokenPurpose::Reset).await
}

#[derive(Template)]
#[template(path = "account/forgot.html")]
struct ForgotPage<'a> {
    csrf: &'a str,
    email: &'a str,
    error: Option<&'a str>,
    sent: bool,
}

pub async fn forgot_page(visitor: Visitor) -> Result<HttpResponse> {
    page(&ForgotPage {
        csrf: visitor.csrf(),
        email: "",
        error: None,
        sent: false,
    })
}

pub async fn forgot(state: web::Data<AppState>, form: SecureForm) -> Result<HttpResponse> {
    let started = tokio::time::Instant::now();
    let typed = form.get("email").trim().to_string();
    let Ok(email) = EmailAddress::parse(&typed) else {
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ForgotPage {
                csrf: form.visitor.csrf(),
                email: &typed,
                error: Some("Enter an email address like name@example.org"),
                sent: false,
            },
        );
    };
    let verdict = state.throttle.forgot(form.visitor.ip.as_deref(), email.as_str())?;
    let now = state.clock.now();
    let ip = form.visitor.ip.clone();
    let mail = MailContext::from_settings(&state.settings);
    let public_url = state.settings.public_url.clone();
    let to = email.clone();
    state
        .db
        .run(move |db| {
            db.write(|c| {
                let Some(account) = accounts::by_email(c, &to)?.filter(|a| !a.disabled) else {
                    return Ok::<_, Error>(());
                };
                let last = match verdict {
                    ForgotVerdict::Capped => {
                        // Same answer, no email: a victim is not flooded.
                        tracing::warn!(
                            domain = to.domain(),
                            "reset email not sent: the account's hourly cap is reached"
                        );
                        return Ok(());
                    }
                    ForgotVerdict::Send { last } => last,
                };
                // Only the newest link works.
                accounts::retire_tokens(c, TokenPurpose::Reset, Some(account.id), now.naive_utc())?;
                let link = onboarding::issue_link(
                    c,
                    TokenPurpose::Reset,
                    Some(account.id),
                    now,
                    RESET_LIFETIME,
                    &public_url,
                )?;
                let clinic = staff_clinic(c, account.id)?;
                notify::password_reset(c, &mail, clinic, to.as_str(), &link, now)?;
                signin::audit_self(c, account.id, account.kind, ip.clone(), "password.reset_requested", now)?;
                if last {
                    signin::audit_self(c, account.id, account.kind, ip, "password.reset_capped", now)?;
                }
                Ok(())
            })
        })
        .await?;
    tokio::time::sleep_until(started + FORGOT_MIN_DURATION).await;
    page(&ForgotPage {
        csrf: form.visitor.csrf(),
        email: email.as_str(),
        error: None,
        sent: true,
    })
}

#[derive(Template)]
#[template(path = "account/password.html")]
struct PasswordPage<'a> {
    csrf: &'a str,
    home: &'a str,
    notice: Option<&'a str>,
    errors: &'a FieldErrors,
    sessions: Vec<super::account_sessions::SessionItem>,
}

impl PasswordPage<'_> {
    fn error(&self, k: &str) -> Option<&str> {
        self.errors.get(k)
    }
}

pub async fn password_page(
    state: web::Data<AppState>,
    user: SignedIn,
    q: web::Query<NoticeQuery>,
) -> Result<HttpResponse> {
    let notice = match q.notice.as_deref() {
        Some("changed") => {
            Some("Your password is changed. Every other device you were signed in on is now signed out.")
        }
        Some("session-ended") => Some("That session is signed out."),
        Some("session-gone") => Some("That session had already ended."),
        _ => None,
    };
    page(&PasswordPage {
        csrf: &user.session.csrf,
        home: user.home(),
        notice,
        errors: &FieldErrors::default(),
        sessions: super::account_sessions::items(&state, &user).await?,
    })
}

pub async fn change_password(state: web::Data<AppState>, user: SignedIn, form: SecureForm) -> Result<HttpResponse> {
    let account = user.session.account;
    state.throttle.attempt(
        Action::ChangePassword,
        user.ip.as_deref(),
        Some(&format!("account:{account}")),
    )?;
    let sessions = super::account_sessions::items(&state, &user).await?;
    let fail = |errors: &FieldErrors| {
        render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PasswordPage {
                csrf: &user.session.csrf,
                home: user.home(),
                notice: None,
                errors,
                sessions,
            },
        )
    };
    let new = match new_password(&form, "password", "confirm") {
        Ok(p) => p,
        Err(mut errors) => {
            if form.get("current").is_empty() {
                errors.add("current", "enter your current password");
            }
            return fail(&errors);
        }
    };
    let current = form.get("current").to_string();
    let now = state.clock.now();
    let ip = user.ip.clone();
    let session = user.session.clone();
    let changed = state
        .db
        .run(move |db| {
            let acc = db.read(|c| accounts::get(c, account))?.ok_or(Error::Unauthenticated)?;
            let ok = acc
                .password_hash
                .as_deref()
                .map(|h| password::verify(&current, h))
                .unwrap_or(false);
            if !ok {
                return Ok::<_, Error>(false);
            }
            let hash = onboarding::hash_password(&new)?;
            db.write(|c| {
                accounts::set_password_hash(c, account, &hash, now.naive_utc())?;
                sessions::delete_all(c, account, Some(&session.id_hash))?;
                accounts::retire_tokens(c, TokenPurpose::Reset, Some(account), now.naive_utc())?;
                signin::audit_self(c, account, session.kind, ip, "password.change", now)?;
                Ok(true)
            })
        })
        .await?;
    if !changed {
        return fail(&FieldErrors::single(
            "current",
            "that is not your current password: check it and try again",
        ));
    }
    Ok(see_other("/account/password?notice=changed"))
}

pub async fn sign_out_everywhere(
    state: web::Data<AppState>,
    user: SignedIn,
    _form: SecureForm,
) -> Result<HttpResponse> {
    let now = state.clock.now();
    let ip = user.ip.clone();
    let (account, kind) = (user.session.account, user.session.kind);
    state
        .db
        .run(move |db| {
            db.write(|c| {
                sessions::delete_all(c, account, None)?;
                signin::audit_self(c, account, kind, ip, "signout.everywhere", now)
            })
        })
        .await?;
    let mut resp = see_other("/login?notice=signed-out-everywhere");
    resp.add_cookie(&expired_session_cookie(state.settings.is_https()))
        .map_err(|e| Error::Internal(e.to_string()))?;
    Ok(resp)
}
