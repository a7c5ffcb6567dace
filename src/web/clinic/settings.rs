//! Admin pages: the clinic's settings, its rule thresholds (a new rules
//! version per change), and the email outbox with retry.

use crate::app::checkin::rules_of;
use crate::app::{self, clinic::rule_list};
use crate::db::{clinics, dashboard, outbox};
use crate::domain::*;
use crate::error::Result;
use crate::triage::{FieldKind, RuleSettings, CONFIRM_DISABLE_URGENT};
use crate::web::clinic::photos::photo_storage;
use crate::web::clinic::preview::PreviewView;
use crate::web::error::{page, render, see_other};
use crate::web::session::{AdminUser, SecureForm};
use crate::web::view::form::FormState;
use crate::web::view::format::local_time;
use crate::web::view::nav::Nav;
use crate::web::view::notice::NoticeQuery;
use crate::web::view::timezones::{zone_select, ZoneSelect};
use crate::web::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveTime;
use serde::Deserialize;
use std::collections::HashMap;

// ---------- clinic settings ----------

#[derive(Template)]
#[template(path = "clinic/settings.html")]
struct SettingsPage {
    nav: Nav,
    form: FormState,
    notice: Option<&'static str>,
    rules_version: i32,
    /// "12 photos, 3.4 MB".
    photo_storage: String,
    zones: ZoneSelect,
    /// The saved alert address (the test email goes there, whatever is typed).
    alert_email: String,
    /// The newest test email and what became of it.
    test_email: Option<TestEmailView>,
}

/// What became of the newest test email, for the settings page.
pub struct TestEmailView {
    pub recipient: String,
    pub queued: String,
    /// "sent", "waiting", "retrying" or "failed".
    pub outcome: &'static str,
    pub sent: Option<String>,
    pub attempts: i32,
    pub next_attempt: String,
    /// The last failure in plain words, and the server's own reply.
    pub error_words: Option<&'static str>,
    pub error_raw: Option<String>,
}

impl TestEmailView {
    fn of(r: outbox::OutboxRow, tz: ClinicTz) -> Self {
        let outcome = match (r.status.as_str(), r.attempts) {
            (outbox::SENT, _) => "sent",
            (outbox::DEAD, _) => "failed",
            (_, 0) => "waiting",
            _ => "retrying",
        };
        TestEmailView {
            recipient: r.recipient,
            queued: local_time(r.created_at, tz),
            outcome,
            sent: r.sent_at.map(|t| local_time(t, tz)),
            attempts: r.attempts,
            next_attempt: local_time(r.next_attempt_at, tz),
            error_words: r.last_error.as_deref().map(crate::mail::transport::in_words),
            error_raw: r.last_error,
        }
    }
}

async fn test_email(state: &AppState, clinic: ClinicId, tz: ClinicTz) -> Result<Option<TestEmailView>> {
    let row = state
        .db
        .read_async(move |c| Ok(outbox::latest_of_kind(c, clinic, OutboxKind::TestEmail)?))
        .await?;
    Ok(row.map(|r| TestEmailView::of(r, tz)))
}

fn hhmm(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

fn current_values(c: &clinics::Clinic) -> HashMap<String, String> {
    let mut v = HashMap::new();
    v.insert("name".into(), c.name.clone());
    v.insert("phone".into(), c.phone.clone());
    v.insert("timezone".into(), c.timezone.name().to_string());
    v.insert("alert_email".into(), c.alert_email.clone());
    v.insert(
        "escalation_email".into(),
        c.escalation_email.clone().unwrap_or_default(),
    );
    v.insert("escalation_minutes".into(), c.escalation_minutes.to_string());
    v.insert(
        "review_alerts".into(),
        if c.review_digest { "digest" } else { "immediate" }.into(),
    );
    v.insert("reminder_time".into(), hhmm(c.reminder_time));
    v.insert("workday_start".into(), hhmm(c.workday_start));
    v.insert("follow_up_days".into(), c.follow_up_days.to_string());
    v
}

async fn rules_version(state: &AppState, clinic: ClinicId) -> Result<i32> {
    state
        .db
        .read_async(move |c| Ok(clinics::current_rules(c, clinic)?.version))
        .await
}

pub async fn settings_page(
    state: web::Data<AppState>,
    AdminUser(user): AdminUser,
    q: web::Query<NoticeQuery>,
) -> Result<HttpResponse> {
    let version = rules_version(&state, user.clinic.id).await?;
    page(&SettingsPage {
        nav: Nav::new(&user, "settings"),
        zones: zone_select(user.clinic.timezone.name()),
        form: FormState {
            values: current_values(&user.clinic),
            errors: FieldErrors::default(),
        },
        notice: q.text(),
        rules_version: version,
        photo_storage: photo_storage(&state, user.clinic.id).await?,
        alert_email: user.clinic.alert_email.clone(),
        test_email: test_email(&state, user.clinic.id, user.clinic.timezone).await?,
    })
}

/// "Send a test email" to the saved alert address, through the outbox.
pub async fn send_test_email(
    state: web::Data<AppState>,
    AdminUser(user): AdminUser,
    _form: SecureForm,
) -> Result<HttpResponse> {
    app::clinic::send_test_email(
        &state.db,
        crate::app::notify::MailContext::from_settings(&state.settings),
        user.clinic.id,
        state.clock.now(),
        user.actor(),
    )
    .await?;
    Ok(see_other("/clinic/settings?notice=test-email#test-email"))
}

fn parse_time(v: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(v.trim(), "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(v.trim(), "%H:%M:%S"))
        .ok()
}

fn parse_int(e: &mut FieldErrors, form: &SecureForm, k: &'static str, min: i32, max: i32) -> Option<i32> {
    match form.get(k).trim().parse::<i32>() {
        Ok(n) if (min..=max).contains(&n) => Some(n),
        _ => {
            e.add(k, format!("Enter a whole number from {min} to {max}"));
            None
        }
    }
}

/// Reads the settings form into the clinic's changes, every problem by field.
fn parse_settings(
    form: &SecureForm,
    current: &clinics::Clinic,
) -> std::result::Result<clinics::ClinicChanges, FieldErrors> {
    let mut e = FieldErrors::default();
    let name = parse_name(form.get("name")).map_err(|m| e.add("name", m)).ok();
    let phone = parse_phone(form.get("phone")).map_err(|m| e.add("phone", m)).ok();
    let timezone = ClinicTz::parse(form.get("timezone"))
        .map_err(|x| e.add("timezone", x.to_string()))
        .ok();
    let alert_email = EmailAddress::parse(form.get("alert_email"))
        .map_err(|x| e.add("alert_email", x.to_string()))
        .ok();
    let escalation_email = match form.get("escalation_email").trim() {
        "" => Some(None),
        s => EmailAddress::parse(s)
            .map(|a| Some(a.as_str().to_string()))
            .map_err(|x| e.add("escalation_email", x.to_string()))
            .ok(),
    };
    let escalation_minutes = parse_int(&mut e, form, "escalation_minutes", 5, 1440);
    let review_digest = match form.get("review_alerts") {
        "digest" => Some(true),
        "immediate" => Some(false),
        _ => {
            e.add("review_alerts", "Choose how review alerts are sent");
            None
        }
    };
    let reminder_time = parse_time(form.get("reminder_time"));
    if reminder_time.is_none() {
        e.add("reminder_time", "Enter a time like 18:00");
    }
    let workday_start = parse_time(form.get("workday_start"));
    if workday_start.is_none() {
        e.add("workday_start", "Enter a time like 08:00");
    } else if workday_start.is_some_and(|t| t >= current.workday_end) {
        e.add(
            "workday_start",
            format!(
                "The working day must start before it ends ({})",
                hhmm(current.workday_end)
            ),
        );
    }
    let follow_up_days = parse_int(&mut e, form, "follow_up_days", 14, 730);
    match (
        name,
        phone,
        timezone,
        alert_email,
        escalation_email,
        escalation_minutes,
        review_digest,
        reminder_time,
        workday_start,
        follow_up_days,
    ) {
        (
            Some(name),
            Some(phone),
            Some(timezone),
            Some(alert_email),
            Some(escalation_email),
            Some(escalation_minutes),
            Some(review_digest),
            Some(reminder_time),
            Some(workday_start),
            Some(follow_up_days),
        ) if e.is_empty() => Ok(clinics::ClinicChanges {
            name,
            timezone,
            phone,
            alert_email: alert_email.as_str().to_string(),
            escalation_email,
            reminder_time,
            workday_start,
            workday_end: current.workday_end,
            escalation_minutes,
            review_digest,
            follow_up_days,
        }),
        _ => Err(e),
    }
}

/// Names of the settings that differ (for the audit row: no values).
fn changed_fields(old: &clinics::Clinic, new: &clinics::ClinicChanges) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut diff = |k, changed: bool| {
        if changed {
            out.push(k)
        }
    };
    diff("name", old.name != new.name);
    diff("phone", old.phone != new.phone);
    diff("timezone", old.timezone != new.timezone);
    diff("alert_email", old.alert_email != new.alert_email);
    diff("escalation_email", old.escalation_email != new.escalation_email);
    diff("escalation_minutes", old.escalation_minutes != new.escalation_minutes);
    diff("review_digest", old.review_digest != new.review_digest);
    diff("reminder_time", old.reminder_time != new.reminder_time);
    diff("workday_start", old.workday_start != new.workday_start);
    diff("follow_up_days", old.follow_up_days != new.follow_up_days);
    out
}

pub async fn save_settings(
    state: web::Data<AppState>,
    AdminUser(user): AdminUser,
    form: SecureForm,
) -> Result<HttpResponse> {
    let changes = match parse_settings(&form, &user.clinic) {
        Ok(c) => c,
        Err(errors) => {
            let mut values = form.fields.clone();
            values.remove("csrf");
            let version = rules_version(&state, user.clinic.id).await?;
            return render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &SettingsPage {
                    nav: Nav::new(&user, "settings"),
                    zones: zone_select(form.get("timezone")),
                    form: FormState { values, errors },
                    notice: None,
                    rules_version: version,
                    photo_storage: photo_storage(&state, user.clinic.id).await?,
                    alert_email: user.clinic.alert_email.clone(),
                    test_email: test_email(&state, user.clinic.id, user.clinic.timezone).await?,
                },
            );
        }
    };
    let fields = changed_fields(&user.clinic, &changes).join(",");
    app::clinic::save_settings(
        &state.db,
        user.clinic.id,
        changes,
        fields,
        state.clock.now(),
        user.actor(),
    )
    .await?;
    Ok(see_other("/clinic/settings?notice=saved"))
}

// ---------- rule thresholds ----------

pub struct RuleFieldView {
    pub name: &'static str,
    pub label: String,
    /// The rule ids it feeds, as a small tag after the words.
    pub tag: String,
    /// Differs from the default (what the collapsed group counts).
    pub changed: bool,
    pub value: String,
    pub default: String,
    pub checkbox: bool,
    pub checked: bool,
    pub default_on: bool,
    pub urgent: bool,
    pub error: Option<String>,
}

pub struct RuleGroup {
    pub title: String,
    pub slug: String,
    pub fields: Vec<RuleFieldView>,
}

impl RuleGroup {
    /// How many values differ from the defaults (shown on the closed group).
    pub fn changed(&self) -> usize {
        self.fields.iter().filter(|f| f.changed).count()
    }
    /// Rule switches in the group that are off.
    pub fn off(&self) -> usize {
        self.fields
            .iter()
            .filter(|f| f.checkbox && f.name.starts_with("rule.") && !f.checked)
            .count()
    }
    /// A group with a problem opens by itself.
    pub fn open(&self) -> bool {
        self.fields.iter().any(|f| f.error.is_some())
    }
}

#[derive(Template)]
#[template(path = "clinic/rules.html")]
pub(super) struct RulesPage {
    pub(super) nav: Nav,
    pub(super) groups: Vec<RuleGroup>,
    pub(super) errors: FieldErrors,
    pub(super) confirm_name: &'static str,
    pub(super) confirm_error: Option<String>,
    pub(super) confirm_checked: bool,
    pub(super) disabled_urgent: String,
    pub(super) note: String,
    pub(super) version: i32,
    pub(super) notice: Option<&'static str>,
    /// The draft replayed on the clinic's history (`preview.rs`), shown above the form.
    pub(super) preview: Option<PreviewView>,
}

impl RulesPage {
    /// The rules page drawn again with the form as posted (after an error, or
    /// with a preview above it).
    fn posted(
        user: &crate::web::session::StaffUser,
        current: &RuleSettings,
        version: i32,
        form: &SecureForm,
        errors: FieldErrors,
        note: String,
        preview: Option<PreviewView>,
    ) -> Self {
        RulesPage {
            nav: Nav::new(user, "settings"),
            groups: groups(current, Some(&form.fields), &errors),
            confirm_name: CONFIRM_DISABLE_URGENT,
            confirm_error: None,
            confirm_checked: form.checked(CONFIRM_DISABLE_URGENT),
            disabled_urgent: rule_list(&current.disabled_urgent_rules()),
            errors,
            note,
            version,
            notice: None,
            preview,
        }
    }
}

/// Groups the settings' fields for the page; with `submitted`, shows what was typed.
pub(super) fn groups(
    settings: &RuleSettings,
    submitted: Option<&HashMap<String, String>>,
    errors: &FieldErrors,
) -> Vec<RuleGroup> {
    let mut out: Vec<RuleGroup> = Vec::new();
    for f in settings.form_fields() {
        let checkbox = f.kind == FieldKind::Checkbox;
        let typed = submitted.map(|s| s.get(f.name).cloned().unwrap_or_default());
        let value = typed.clone().unwrap_or_else(|| f.value.clone());
        let checked = match &typed {
            Some(v) => !v.is_empty() && v != "off",
            None => f.value == "on",
        };
        let changed = if checkbox {
            checked != (f.default == "on")
        } else {
            value.trim() != f.default
        };
        let view = RuleFieldView {
            name: f.name,
            label: f.label,
            tag: f.tag,
            changed,
            value,
            default: if checkbox {
                if f.default == "on" { "on" } else { "off" }.to_string()
            } else if f.default.is_empty() {
                "empty".into()
            } else {
                f.default.clone()
            },
            checkbox,
            checked,
            default_on: f.default == "on",
            urgent: f.needs_confirmation_to_disable,
            error: errors.get(f.name).map(str::to_string),
        };
        // Fields come grouped (triage::settings sorts them by what they watch).
        match out.last_mut() {
            Some(g) if g.title == f.group => g.fields.push(view),
            _ => out.push(RuleGroup {
                slug: f
                    .group
                    .to_lowercase()
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                    .collect(),
                title: f.group,
                fields: vec![view],
            }),
        }
    }
    out
}

/// The rules version in force and its settings.
pub(super) async fn rules_in_force(state: &AppState, clinic: ClinicId) -> Result<(i32, RuleSettings)> {
    state
        .db
        .read_async(move |c| {
            let v = clinics::current_rules(c, clinic)?.version;
            let (_, s) = rules_of(c, clinic)?;
            Ok((v, s))
        })
        .await
}

pub async fn rules_page(
    state: web::Data<AppState>,
    AdminUser(user): AdminUser,
    q: web::Query<NoticeQuery>,
) -> Result<HttpResponse> {
    let (version, settings) = rules_in_force(&state, user.clinic.id).await?;
    let errors = FieldErrors::default();
    page(&RulesPage {
        nav: Nav::new(&user, "settings"),
        groups: groups(&settings, None, &errors),
        errors,
        confirm_name: CONFIRM_DISABLE_URGENT,
        confirm_error: None,
        confirm_checked: false,
        disabled_urgent: rule_list(&settings.disabled_urgent_rules()),
        note: String::new(),
        version,
        notice: q.text(),
        preview: None,
    })
}

pub async fn save_rules(
    state: web::Data<AppState>,
    AdminUser(user): AdminUser,
    form: SecureForm,
) -> Result<HttpResponse> {
    let note: String = form.get("note").trim().chars().take(500).collect();
    let parsed = RuleSettings::from_form(&form.fields)
        .and_then(|s| s.validate().map(|_| s))
        .and_then(|s| match crate::domain::text::check_note(&note) {
            Ok(()) => Ok(s),
            Err(m) => Err(FieldErrors::single("note", format!("The note: {m}"))),
        });
    let clinic = user.clinic.id;
    let settings = match parsed {
        Ok(s) => s,
        Err(errors) => {
            let (version, current) = rules_in_force(&state, clinic).await?;
            let confirm_error = errors.get(CONFIRM_DISABLE_URGENT).map(str::to_string);
            return render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &RulesPage {
                    confirm_error,
                    ..RulesPage::posted(&user, &current, version, &form, errors, note, None)
                },
            );
        }
    };
    app::clinic::save_rules(
        &state.db,
        clinic,
        user.staff.id,
        settings,
        note,
        state.clock.now(),
        user.actor(),
    )
    .await?;
    Ok(see_other("/clinic/settings/rules?notice=rules"))
}

// ---------- the email outbox ----------

pub struct OutboxItem {
    pub id: i64,
    pub kind: String,
    pub recipient: String,
    pub status: String,
    pub attempts: i32,
    pub created: String,
    pub next_attempt: String,
    pub last_error: String,
    pub retryable: bool,
}

#[derive(Template)]
#[template(path = "clinic/outbox.html")]
struct OutboxPage {
    nav: Nav,
    items: Vec<OutboxItem>,
    notice: Option<&'static str>,
}

/// A pending row older than this counts as stuck and may be retried by hand.
const STUCK_MINUTES: i64 = 15;

pub async fn outbox_page(
    state: web::Data<AppState>,
    AdminUser(user): AdminUser,
    q: web::Query<NoticeQuery>,
) -> Result<HttpResponse> {
    let clinic = user.clinic.id;
    let rows = state
        .db
        .read_async(move |c| Ok(dashboard::unsent_emails(c, clinic, 200)?))
        .await?;
    let tz = user.clinic.timezone;
    let now = state.clock.now().naive_utc();
    let items = rows
        .into_iter()
        .map(|r| OutboxItem {
            retryable: r.status == outbox::DEAD
                || (r.status == outbox::PENDING
                    && (r.attempts > 0 || r.created_at < now - chrono::Duration::minutes(STUCK_MINUTES))),
            id: r.id,
            kind: r.kind,
            recipient: r.recipient,
            status: r.status,
            attempts: r.attempts,
            created: local_time(r.created_at, tz),
            next_attempt: local_time(r.next_attempt_at, tz),
            last_error: r.last_error.unwrap_or_default(),
        })
        .collect();
    page(&OutboxPage {
        nav: Nav::new(&user, "outbox"),
        items,
        notice: q.text(),
    })
}

#[derive(Deserialize)]
pub struct OutboxPath {
    id: i64,
}

pub async fn retry(
    state: web::Data<AppState>,
    AdminUser(user): AdminUser,
    path: web::Path<OutboxPath>,
    _form: SecureForm,
) -> Result<HttpResponse> {
    let id = OutboxId(path.id);
    let retried = app::outbox::retry(&state.db, user.clinic.id, id, state.clock.now(), user.actor()).await?;
    Ok(see_other(match retried {
        app::outbox::Retry::Queued => "/clinic/outbox?notice=retried",
        app::outbox::Retry::BeingSent => "/clinic/outbox?notice=sending",
        app::outbox::Retry::AlreadySent => "/clinic/outbox?notice=not-retried",
    }))
}

/// POST /clinic/settings/rules/preview: the rules form's "Preview" button.
pub async fn preview(state: web::Data<AppState>, AdminUser(user): AdminUser, form: SecureForm) -> Result<HttpResponse> {
    let note: String = form.get("note").trim().chars().take(500).collect();
    // The confirmation guards saving. A preview writes nothing, and seeing
    // what switching an urgent rule off would change is its very purpose.
    let mut fields = form.fields.clone();
    fields.insert(CONFIRM_DISABLE_URGENT.to_string(), "on".to_string());
    let parsed = RuleSettings::from_form(&fields).and_then(|s| s.validate().map(|_| s));
    let (version, current) = rules_in_force(&state, user.clinic.id).await?;
    let (status, errors, preview) = match parsed {
        Ok(draft) => {
            let p = app::preview::preview_rules(&state.db, &user.clinic, draft, state.clock.now()).await?;
            (StatusCode::OK, FieldErrors::default(), Some(PreviewView::new(&p)))
        }
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors, None),
    };
    render(
        status,
        &RulesPage::posted(&user, &current, version, &form, errors, note, preview),
    )
}
