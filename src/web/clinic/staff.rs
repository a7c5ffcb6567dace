//! Clinic admins: the staff list, invitations, roles, disabling and
//! re-enabling accounts. Everything is scoped by the admin's
//! own clinic; another clinic's staff id answers 404.

use crate::app::notify::MailContext;
use crate::app::onboarding::StaffInput;
use crate::app::staff;
use crate::db::accounts;
use crate::domain::{parse_name, EmailAddress, FieldErrors, Role, StaffId};
use crate::error::{Error, Result};
use crate::web::error::{page, render, see_other};
use crate::web::session::{AdminUser, SecureForm};
use crate::web::view::form::FormState;
use crate::web::view::nav::Nav;
use crate::web::view::notice::NoticeQuery;
use crate::web::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

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
    form: FormState,
}

impl StaffPage<'_> {
    fn role_is(&self, r: &str) -> bool {
        let v = self.form.value("role");
        v == r || (v.is_empty() && r == "clinician")
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
        .read_async(move |c| {
            let mut out = Vec::new();
            for s in accounts::clinic_staff(c, clinic)? {
                let invited = accounts::get(c, s.account_id)?.is_some_and(|a| a.password_hash.is_none());
                out.push(StaffEntry { s, invited });
            }
            Ok(out)
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
        notice: q.text(),
        form: FormState::default(),
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
    let mail = MailContext::from_settings(&state.settings);
    let result = staff::invite(
        &state.db,
        mail,
        input,
        user.0.clinic.name.clone(),
        state.clock.now(),
        user.0.actor(),
    )
    .await;
    match result {
        Ok(_) => Ok(see_other("/clinic/staff?notice=invited")),
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
            form: FormState::new(values, errors.clone()),
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
    staff::set_disabled(&state.db, clinic, id, disabled, state.clock.now(), user.0.actor()).await?;
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

pub async fn role(
    state: web::Data<AppState>,
    user: AdminUser,
    path: web::Path<i64>,
    form: SecureForm,
) -> Result<HttpResponse> {
    let role = Role::parse(form.get("role")).map_err(|_| Error::invalid("role", "choose clinician or admin"))?;
    let changed = staff::set_role(
        &state.db,
        user.0.clinic.id,
        StaffId(path.into_inner()),
        role,
        state.clock.now(),
        user.0.actor(),
    )
    .await?;
    Ok(see_other(if changed {
        "/clinic/staff?notice=role"
    } else {
        "/clinic/staff?notice=unchanged"
    }))
}
