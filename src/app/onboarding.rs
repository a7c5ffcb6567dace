//! Creating clinics, staff, patients and treatments: shared by the CLI, the
//! first-run setup page and the dashboard, so the rules are the same everywhere.

use crate::auth::password::{self, NewPassword};
use crate::auth::tokens;
use crate::db::{accounts, audit, clinics, patients, Db, DbConn};
use crate::domain::*;
use crate::error::{Error, Result};
use chrono::{DateTime, Duration, NaiveDate, Utc};

/// How long an invite or set-password link stays valid.
pub const INVITE_LIFETIME: Duration = Duration::days(7);
/// How long the first-run setup link stays valid.
pub const SETUP_LIFETIME: Duration = Duration::hours(24);

pub struct ClinicInput {
    pub name: String,
    pub timezone: ClinicTz,
    pub phone: String,
    pub alert_email: EmailAddress,
}

impl ClinicInput {
    /// Parses raw text, collecting every problem by field name.
    pub fn parse(name: &str, timezone: &str, phone: &str, alert_email: &str) -> Result<Self> {
        let mut errors = FieldErrors::default();
        let name = parse_name(name).map_err(|m| errors.add("clinic_name", m)).ok();
        let timezone = ClinicTz::parse(timezone)
            .map_err(|e| errors.add("timezone", e.to_string()))
            .ok();
        let phone = parse_phone(phone).map_err(|m| errors.add("phone", m)).ok();
        let alert_email = EmailAddress::parse(alert_email)
            .map_err(|e| errors.add("alert_email", e.to_string()))
            .ok();
        match (name, timezone, phone, alert_email) {
            (Some(name), Some(timezone), Some(phone), Some(alert_email)) if errors.is_empty() => Ok(Self {
                name,
                timezone,
                phone,
                alert_email,
            }),
            _ => Err(Error::Invalid(errors)),
        }
    }
}

/// Creates a clinic with the default rules, and audits it.
pub fn create_clinic(
    conn: &mut DbConn,
    input: &ClinicInput,
    now: DateTime<Utc>,
    actor: &audit::Actor,
) -> Result<ClinicId> {
    let rules =
        serde_json::to_string(&crate::triage::RuleSettings::default()).map_err(|e| Error::Internal(e.to_string()))?;
    let id = clinics::create(
        conn,
        &clinics::NewClinic {
            name: &input.name,
            timezone: input.timezone,
            phone: &input.phone,
            alert_email: input.alert_email.as_str(),
        },
        &rules,
        now.naive_utc(),
    )?;
    audit::record(
        conn,
        Some(id),
        actor,
        AuditAction::ClinicCreate,
        Some(&format!("clinic:{id}")),
        "",
        now.naive_utc(),
    )?;
    Ok(id)
}

pub use super::links::issue_link;

/// A new account needs an existing clinic and an email no account has yet.
fn room_for_account(conn: &mut DbConn, clinic: ClinicId, email: &EmailAddress) -> Result<()> {
    if clinics::get(conn, clinic)?.is_none() {
        return Err(Error::Conflict(format!("there is no clinic with id {clinic}")));
    }
    if accounts::claim_email(conn, email)? {
        return Err(Error::Conflict(format!(
            "an account with the email {email} already exists"
        )));
    }
    Ok(())
}

/// What a new account got: a password, or a link to choose one.
pub enum Credential {
    PasswordSet,
    Link(String),
}

/// A new account's first credential: the given password hash, or a 7-day invite link.
fn first_credential(
    conn: &mut DbConn,
    account: AccountId,
    password_hash: Option<&str>,
    now: DateTime<Utc>,
    public_url: &str,
) -> Result<Credential> {
    Ok(match password_hash {
        Some(h) => {
            accounts::set_password_hash(conn, account, h, now.naive_utc())?;
            Credential::PasswordSet
        }
        None => Credential::Link(issue_link(
            conn,
            TokenPurpose::Invite,
            Some(account),
            now,
            INVITE_LIFETIME,
            public_url,
        )?),
    })
}

pub struct StaffInput {
    pub clinic: ClinicId,
    pub email: EmailAddress,
    pub name: String,
    pub role: Role,
}

/// Creates a staff member. `password_hash` (already hashed, off the async
/// workers) sets the password; otherwise a 7-day set-password link is issued.
pub fn create_staff(
    conn: &mut DbConn,
    input: &StaffInput,
    password_hash: Option<&str>,
    now: DateTime<Utc>,
    public_url: &str,
    actor: &audit::Actor,
) -> Result<(StaffId, AccountId, Credential)> {
    room_for_account(conn, input.clinic, &input.email)?;
    let (id, account) = accounts::create_staff(
        conn,
        input.clinic,
        &input.email,
        &input.name,
        input.role,
        now.naive_utc(),
    )?;
    let credential = first_credential(conn, account, password_hash, now, public_url)?;
    audit::record(
        conn,
        Some(input.clinic),
        actor,
        AuditAction::StaffCreate,
        Some(&format!("staff:{id}")),
        &format!("role={}", input.role),
        now.naive_utc(),
    )?;
    Ok((id, account, credential))
}

pub struct PatientInput {
    pub clinic: ClinicId,
    pub email: EmailAddress,
    pub name: String,
    pub skin_type: Option<SkinType>,
    pub cold_sores: bool,
    pub phone: Option<PhoneNumber>,
    /// The language of the patient's pages and emails.
    pub language: Lang,
}

pub fn create_patient(
    conn: &mut DbConn,
    input: &PatientInput,
    password_hash: Option<&str>,
    now: DateTime<Utc>,
    public_url: &str,
    actor: &audit::Actor,
) -> Result<(PatientId, AccountId, Credential)> {
    room_for_account(conn, input.clinic, &input.email)?;
    let (id, account) = patients::create(
        conn,
        &patients::NewPatient {
            clinic: input.clinic,
            email: &input.email,
            name: &input.name,
            skin_type: input.skin_type,
            cold_sores: input.cold_sores,
            phone: input.phone.as_ref(),
            language: input.language,
        },
        now.naive_utc(),
    )?;
    let credential = match first_credential(conn, account, password_hash, now, public_url)? {
        // The page the invite link opens speaks the patient's language too.
        Credential::Link(link) => Credential::Link(crate::i18n::with_lang(&link, input.language)),
        set => set,
    };
    audit::record(
        conn,
        Some(input.clinic),
        actor,
        AuditAction::PatientCreate,
        Some(&format!("patient:{id}")),
        &format!("language={}", input.language),
        now.naive_utc(),
    )?;
    Ok((id, account, credential))
}

pub struct TreatmentInput {
    pub patient: PatientId,
    pub procedure: ProcedureClass,
    pub treated_on: NaiveDate,
    pub zones: Zones,
    pub prescribed: Prescribed,
}

/// Adds a treatment to a patient of `clinic` (`None`: the CLI, any clinic).
pub fn create_treatment(
    conn: &mut DbConn,
    clinic: Option<ClinicId>,
    input: &TreatmentInput,
    now: DateTime<Utc>,
    actor: &audit::Actor,
) -> Result<TreatmentId> {
    let patient = match clinic {
        Some(c) => patients::in_clinic(conn, c, input.patient)?,
        None => patients::get(conn, input.patient)?,
    }
    .ok_or(Error::NotFound)?;
    // A new session after a closed follow-up starts a new one.
    if patient.follow_up_closed_at.is_some() {
        patients::reopen_follow_up(conn, patient.id)?;
    }
    let id = patients::create_treatment(
        conn,
        &patients::NewTreatment {
            patient: patient.id,
            clinic: patient.clinic_id,
            procedure: input.procedure,
            treated_on: input.treated_on,
            zones: &input.zones,
            prescribed: input.prescribed,
        },
        now.naive_utc(),
    )?;
    audit::record(
        conn,
        Some(patient.clinic_id),
        actor,
        AuditAction::TreatmentCreate,
        Some(&format!("patient:{}", patient.id)),
        &format!("treatment:{id} {}", input.procedure),
        now.naive_utc(),
    )?;
    Ok(id)
}

/// First run: when no clinic exists, a fresh setup link (older ones retired).
pub fn start_setup(db: &Db, now: DateTime<Utc>, public_url: &str) -> Result<Option<String>> {
    db.write(|conn| {
        if clinics::count(conn)? > 0 {
            return Ok(None);
        }
        accounts::retire_tokens(conn, TokenPurpose::Setup, None, now.naive_utc())?;
        issue_link(conn, TokenPurpose::Setup, None, now, SETUP_LIFETIME, public_url).map(Some)
    })
}

/// Whether the service still waits for its first clinic.
pub fn needs_setup(conn: &mut DbConn) -> Result<bool> {
    Ok(clinics::count(conn)? == 0)
}

pub struct SetupInput {
    pub clinic: ClinicInput,
    pub admin_name: String,
    pub admin_email: EmailAddress,
    pub password: NewPassword,
}

/// Completes first-run setup with a valid token: the clinic and its admin.
pub async fn complete_setup(
    db: &Db,
    token: String,
    input: SetupInput,
    now: DateTime<Utc>,
    ip: Option<String>,
) -> Result<(ClinicId, StaffId)> {
    db.run(move |db| {
        let hash = hash_password(&input.password)?;
        db.write(|conn| {
            if accounts::consume_token(conn, TokenPurpose::Setup, &tokens::hash(&token), now.naive_utc())?.is_none() {
                return Err(Error::NotFound);
            }
            if clinics::count(conn)? > 0 {
                return Err(Error::NotFound);
            }
            let actor = audit::Actor {
                account: None,
                label: "setup".into(),
                ip,
            };
            let clinic = create_clinic(conn, &input.clinic, now, &actor)?;
            let staff = StaffInput {
                clinic,
                email: input.admin_email.clone(),
                name: input.admin_name.clone(),
                role: Role::Admin,
            };
            let (staff_id, _, _) = create_staff(conn, &staff, Some(&hash), now, "", &actor)?;
            Ok((clinic, staff_id))
        })
    })
    .await
}

/// Hashes a password on the calling (blocking) thread.
pub fn hash_password(p: &NewPassword) -> Result<String> {
    password::hash(p).map_err(|e| Error::Internal(format!("password hashing failed: {e}")))
}
