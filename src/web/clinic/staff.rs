//! Clinic admins: the staff list, invitations, disabling and re-enabling
//! accounts, and the clinic's audit log. Everything is scoped by the admin's
//! own clinic; another clinic's staff id answers 404.

use super::queue::Nav;
use crate::app::notify::{self, MailContext};
use crate::app::onboarding::{self, Credential, StaffInput};
use crate::db::{accounts, audit, sessions};
use crate::domain::{parse_name, EmailAddress, FieldErrors, Role, StaffId};
use crate::error::{Error, Result};
use crate::web::error::{page, render, see_other};
use crate::web::session::{AdminUser, SecureForm};
use crate::web::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "clinic/staff.html")]
struct StaffPage<'a> {
    nav: Nav,
    csrf: &'a str,
    clinic_name: &'a str,
    require_totp: bool,
    me: StaffId,
    staff: &'a [StaffEntry],
    notice: Option<&'a str>,
    values: &'a HashMap<String, String>,
    errors: &'a FieldErrors,
}

impl StaffPage<'_> {
    fn value(&self, k: &str) -> &str {
        self.values.get(k).map(|s| s.as_str()).unwrap_or("")
    }
    fn error(&self, k: &str) -> Option<&str> {
        self.errors.get(k)
    }
    fn role_is(&self, r: &str) -> bool {
        let v = self.value("role");
        v == r || (v.is_empty() && r == "clinician")
    }
}

#[derive(Deserialize)]
pub struct NoticeQuery {
    #[serde(default)]
    notice: Option<String>,
}

fn notice_text(code: Option<&str>) -> Option<&'static str> {
    match code {
        Some("invited") => Some("Invitation sent. The link in it works once, for 7 days."),
        Some("disabled") => Some("Account disabled. Its sessions have ended."),
        Some("enabled") => Some("Account enabled again."),
        Some("totp-reset") => Some("Second factor reset. That person is signed out and sets it up again."),
        Some("totp-required") => Some("Two-step sign-in setting saved."),
        _ => None,
    }
}

/// A staff member as listed: `invited` until they have chosen a password.
pub struct StaffEntry {
    pub s: accounts::Staff,
    pub invited: bool,
}

async fn load_staff(state: &AppState, user: &AdminUser) -> Result<Vec<StaffEntry>> {
    let clinic = user.0.clinic.id;
    state
        .db
        .run(move |db| {
            db.read(|c| {
                let mut out = Vec::new();
                for s in accounts::clinic_staff(c, clinic)? {
                    let invited = accounts::get(c, s.account_id)?.is_some_and(|a| a.password_hash.is_none());
                    out.push(StaffEntry { s, invited });
                }
                Ok::<_, Error>(out)
            })
        })
        .await
}

pub async fn staff_page(
    state: web::Data<AppState>,
    user: AdminUser,
    q: web::Query<NoticeQuery>,
) -> Result<HttpResponse> {
    let staff = load_staff(&state, &user).await?;
    page(&StaffPage {
        nav: Nav::new(&user.0, "staff"),
        csrf: &user.0.session.csrf,
        clinic_name: &user.0.clinic.name,
        require_totp: user.0.clinic.require_totp,
        me: user.0.staff.id,
        staff: &staff,
        notice: notice_text(q.notice.as_deref()),
        values: &HashMap::new(),
        errors: &FieldErrors::default(),
    })
}

pub async fn invite(state: web::Data<AppState>, user: AdminUser, form: SecureForm) -> Result<HttpResponse> {
    let mut errors = FieldErrors::default();
    let name = parse_name(form.get("name")).map_err(|m| errors.add("name", m)).ok();
    let email = EmailAddress::parse(form.get("email"))
        .map_err(|e| errors.add("email", e.to_string()))
        .ok();
    let role = match form.get("role") {
        "clinician" => Some(Role::Clinician),
        "admin" => Some(Role::Admin),
        _ => {
            errors.add("role", "choose clinician or admin");
            None
        }
    };
    let input = match (name, email, role) {
        (Some(name), Some(email), Some(role)) if errors.is_empty() => StaffInput {
            clinic: user.0.clinic.id,
            email,
            name,
            role,
        },
        _ => return invite_failed(&state, &user, &form, &errors).await,
    };
    let now = state.clock.now();
    let actor = user.0.actor();
    let mail = MailContext::from_settings(&state.settings);
    let public_url = state.settings.public_url.clone();
    let clinic_name = user.0.clinic.name.clone();
    let result = state
        .db
        .run(move |db| {
            db.write(|c| {
                let (id, _, credential) = onboarding::create_staff(c, &input, None, now, &public_url, &actor)?;
                let Credential::Link(link) = credential else {
                    return Err(Error::Internal("an invited account got no link".into()));
                };
                notify::invite(
                    c,
                    &mail,
                    input.clinic,
                    &clinic_name,
                    input.email.as_str(),
                    &link,
                    true,
                    now,
                )?;
                audit::record(
                    c,
                    Some(input.clinic),
                    &actor,
                    "staff.invite",
                    Some(&format!("staff:{id}")),
                    &format!("role={}", input.role),
                    now.naive_utc(),
                )?;
                Ok(())
            })
        })
        .await;
    match result {
        Ok(()) => Ok(see_other("/clinic/staff?notice=invited")),
        Err(Error::Conflict(_)) => {
            let errors = FieldErrors::single("email", "an account with this email already exists");
            invite_failed(&state, &user, &form, &errors).await
        }
        Err(e) => Err(e),
    }
}

async fn invite_failed(
    state: &AppState,
    user: &AdminUser,
    form: &SecureForm,
    errors: &FieldErrors,
) -> Result<HttpResponse> {
    let staff = load_staff(state, user).await?;
    let mut values = form.fields.clone();
    values.remove("csrf");
    render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &StaffPage {
            nav: Nav::new(&user.0, "staff"),
            csrf: &user.0.session.csrf,
            clinic_name: &user.0.clinic.name,
            require_totp: user.0.clinic.require_totp,
            me: user.0.staff.id,
            staff: &staff,
            notice: None,
            values: &values,
            errors,
        },
    )
}

async fn set_disabled(state: web::Data<AppState>, user: AdminUser, id: i64, disabled: bool) -> Result<HttpResponse> {
    let id = StaffId(id);
    let clinic = user.0.clinic.id;
    if id == user.0.staff.id && disabled {
        return Err(Error::Conflict(
            "You cannot disable your own account. Ask another admin of your clinic to do it.".into(),
        ));
    }
    let now = state.clock.now();
    let actor = user.0.actor();
    state
        .db
        .run(move |db| {
            db.write(|c| {
                let target = accounts::staff_in_clinic(c, clinic, id)?.ok_or(Error::NotFound)?;
                accounts::set_disabled(c, target.account_id, disabled)?;
                if disabled {
                    // Takes effect at once, on every app instance.
                    sessions::delete_all(c, target.account_id, None)?;
                }
                let action = if disabled { "staff.disable" } else { "staff.enable" };
                audit::record(
                    c,
                    Some(clinic),
                    &actor,
                    action,
                    Some(&format!("staff:{id}")),
                    "",
                    now.naive_utc(),
                )?;
                Ok::<_, Error>(())
            })
        })
        .await?;
    Ok(see_other(if disabled {
        "/clinic/staff?notice=disabled"
    } else {
        "/clinic/staff?notice=enabled"
    }))
}

pub async fn disable(
    state: web::Data<AppState>,
    user: AdminUser,
    path: web::Path<i64>,
    _form: SecureForm,
) -> Result<HttpResponse> {
    set_disabled(state, user, path.into_inner(), true).await
}

pub async fn enable(
    state: web::Data<AppState>,
    user: AdminUser,
    path: web::Path<i64>,
    _form: SecureForm,
) -> Result<HttpResponse> {
    set_disabled(state, user, path.into_inner(), false).await
}

/// Audit rows per page.
pub const AUDIT_PAGE_SIZE: i64 = 50;

#[derive(Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    page: Option<i64>,
}

/// One audit row as shown.
pub struct AuditRow {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub ip: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "clinic/audit.html")]
struct AuditPage<'a> {
    nav: Nav,
    clinic_name: &'a str,
    rows: Vec<AuditRow>,
    page: i64,
    pages: i64,
    total: i64,
}

pub async fn audit_page(state: web::Data<AppState>, user: AdminUser, q: web::Query<PageQuery>) -> Result<HttpResponse> {
    let clinic = user.0.clinic.id;
    let requested = q.page.unwrap_or(1).max(1);
    let (entries, total, names) = state
        .db
        .run(move |db| {
            db.read(|c| {
                let names: HashMap<String, String> = accounts::clinic_staff(c, clinic)?
                    .into_iter()
                    .map(|s| (format!("staff:{}", s.id), s.name))
                    .collect();
                let total = audit::count(c, clinic)?;
                let pages = (total + AUDIT_PAGE_SIZE - 1) / AUDIT_PAGE_SIZE;
                let p = requested.min(pages.max(1));
                let rows = audit::page(c, clinic, (p - 1) * AUDIT_PAGE_SIZE, AUDIT_PAGE_SIZE)?;
                Ok::<_, Error>((rows, total, names))
            })
        })
        .await?;
    let pages = ((total + AUDIT_PAGE_SIZE - 1) / AUDIT_PAGE_SIZE).max(1);
    let rows = entries
        .into_iter()
        .map(|e| AuditRow {
            at: e.at.format("%Y-%m-%d %H:%M:%S").to_string(),
            actor: match names.get(&e.actor) {
                Some(name) => format!("{name} ({})", e.actor),
                None => e.actor,
            },
            action: e.action,
            target: e.target.unwrap_or_default(),
            ip: e.ip.unwrap_or_default(),
            detail: e.detail,
        })
        .collect();
    page(&AuditPage {
        nav: Nav::new(&user.0, "audit"),
        clinic_name: &user.0.clinic.name,
        rows,
        page: requested.min(pages),
        pages,
        total,
    })
}
