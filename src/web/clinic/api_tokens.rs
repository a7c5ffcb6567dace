//! Clinic admins: API tokens for other systems (the FHIR Bulk Data export).
//! A new token is shown once, on the page that answers its creation; only
//! its hash is stored.

use crate::app::api_tokens;
use crate::db::api_tokens::ApiToken;
use crate::error::{Error, Result};
use crate::web::error::{render, see_other};
use crate::web::session::{AdminUser, SecureForm};
use crate::web::view::form::FormState;
use crate::web::view::nav::Nav;
use crate::web::view::notice::NoticeQuery;
use crate::web::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "clinic/api_tokens.html")]
struct TokensPage<'a> {
    nav: Nav,
    csrf: &'a str,
    tokens: &'a [ApiToken],
    /// The token just made: shown this once.
    created: Option<(&'a str, &'a str)>,
    export_url: String,
    notice: Option<&'a str>,
    form: FormState,
}

fn fmt(t: &chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

impl TokensPage<'_> {
    fn when(&self, t: &Option<chrono::NaiveDateTime>) -> String {
        t.as_ref().map(fmt).unwrap_or_else(|| "never".into())
    }
    fn created_at(&self, t: &ApiToken) -> String {
        fmt(&t.created_at)
    }
}

async fn show(
    state: &AppState,
    user: &AdminUser,
    status: StatusCode,
    created: Option<(&str, &str)>,
    notice: Option<&str>,
    form: FormState,
) -> Result<HttpResponse> {
    let tokens = api_tokens::list(&state.db, user.0.clinic.id).await?;
    render(
        status,
        &TokensPage {
            nav: Nav::new(&user.0, "api-tokens"),
            csrf: &user.0.session.csrf,
            tokens: &tokens,
            created,
            export_url: format!("{}/fhir/$export", state.settings.public_url.trim_end_matches('/')),
            notice,
            form,
        },
    )
}

pub async fn page(state: web::Data<AppState>, user: AdminUser, q: web::Query<NoticeQuery>) -> Result<HttpResponse> {
    show(&state, &user, StatusCode::OK, None, q.text(), FormState::default()).await
}

/// Creates a token and shows it once (a page, not a redirect: the token
/// never appears in a URL or a later page).
pub async fn create(state: web::Data<AppState>, user: AdminUser, form: SecureForm) -> Result<HttpResponse> {
    let name = form.get("name").trim().to_string();
    let made = api_tokens::create(
        &state.db,
        user.0.clinic.id,
        user.0.staff.id,
        &name,
        state.clock.now(),
        user.0.actor(),
    )
    .await;
    match made {
        Ok(token) => {
            show(
                &state,
                &user,
                StatusCode::OK,
                Some((&name, &token)),
                None,
                FormState::default(),
            )
            .await
        }
        Err(Error::Invalid(errors)) => {
            let mut values = form.fields.clone();
            values.remove("csrf");
            show(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                None,
                FormState::new(values, errors),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct TokenPath {
    id: i64,
}

pub async fn revoke(
    state: web::Data<AppState>,
    user: AdminUser,
    path: web::Path<TokenPath>,
    _form: SecureForm,
) -> Result<HttpResponse> {
    api_tokens::revoke(&state.db, user.0.clinic.id, path.id, state.clock.now(), user.0.actor()).await?;
    Ok(see_other("/clinic/api-tokens?notice=token-revoked"))
}
