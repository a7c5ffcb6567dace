//! Flags raised by the triage rules, their history, and their life:
//! open → acknowledged (who, when) → resolved (note). Staff reach a flag only
//! through their own clinic.

use super::reused;
use super::schema::{flag_events, flags};
use super::{DbConn, DbError};
use crate::domain::*;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use rand::Rng;
use std::collections::HashMap;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = flags)]
pub struct Flag {
    #[diesel(deserialize_as = i64)]
    pub id: FlagId,
    pub reference: String,
    #[diesel(deserialize_as = i64)]
    pub clinic_id: ClinicId,
    #[diesel(deserialize_as = i64)]
    pub patient_id: PatientId,
    #[diesel(deserialize_as = i64)]
    pub treatment_id: TreatmentId,
    pub checkin_id: Option<i64>,
    #[diesel(deserialize_as = String)]
    pub rule_id: RuleId,
    #[diesel(deserialize_as = String)]
    pub severity: Severity,
    pub reason: String,
    pub inputs: String,
    #[diesel(deserialize_as = i64)]
    pub rules_version_id: RulesVersionId,
    pub dedup_key: Option<String>,
    pub occurrences: i32,
    #[diesel(deserialize_as = String)]
    pub state: FlagState,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    pub raised_at: NaiveDateTime,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    pub last_seen_at: NaiveDateTime,
    pub notified_severity: Option<String>,
    pub acknowledged_by: Option<i64>,
    #[diesel(deserialize_as = super::stamp::MaybeStamp)]
    pub acknowledged_at: Option<NaiveDateTime>,
    pub resolved_by: Option<i64>,
    #[diesel(deserialize_as = super::stamp::MaybeStamp)]
    pub resolved_at: Option<NaiveDateTime>,
    pub resolution_note: Option<String>,
    #[diesel(deserialize_as = super::stamp::MaybeStamp)]
    pub escalated_at: Option<NaiveDateTime>,
    /// Set when resolved; read it with [`Flag::outcome`].
    #[diesel(column_name = outcome)]
    pub outcome_text: Option<String>,
}

impl Flag {
    pub fn notified(&self) -> Option<Severity> {
        self.notified_severity.as_deref().and_then(|s| Severity::parse(s).ok())
    }
    /// What came of it (`None` until resolved, and for flags resolved before
    /// outcomes were asked for).
    pub fn outcome(&self) -> Option<Outcome> {
        self.outcome_text.as_deref().and_then(|s| Outcome::parse(s).ok())
    }
}

/// Sorting key for the queue: urgent first.
pub fn severity_rank(s: Severity) -> i32 {
    match s {
        Severity::Urgent => 0,
        Severity::Review => 1,
        Severity::Info => 2,
    }
}

/// An opaque reference for emails and links: says nothing about the patient.
pub fn new_reference() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    let s: String = (0..10)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    format!("AC-{s}")
}

pub struct NewFlag<'a> {
    pub clinic: ClinicId,
    pub patient: PatientId,
    pub treatment: TreatmentId,
    pub checkin: Option<CheckInId>,
    pub rule_id: RuleId,
    pub severity: Severity,
    pub reason: &'a str,
    pub inputs: &'a str,
    pub rules_version: RulesVersionId,
    /// Set for scheduled findings (missed days): the same key is raised once.
    pub dedup_key: Option<&'a str>,
}

/// Inserts a flag. With a `dedup_key` already used for this treatment and
/// rule, inserts nothing and returns `None` (exactly once, decided by the
/// database even with several processes).
pub fn insert(conn: &mut DbConn, f: &NewFlag, now: NaiveDateTime) -> Result<Option<Flag>, DbError> {
    let reference = new_reference();
    // A savepoint, so a duplicate key does not abort the caller's transaction.
    let inserted = conn.transaction::<_, diesel::result::Error, _>(|c| {
        diesel::insert_into(flags::table)
            .values((
                flags::reference.eq(&reference),
                flags::clinic_id.eq(f.clinic.0),
                flags::patient_id.eq(f.patient.0),
                flags::treatment_id.eq(f.treatment.0),
                flags::checkin_id.eq(f.checkin.map(|c| c.0)),
                flags::rule_id.eq(f.rule_id.as_str()),
                flags::severity.eq(f.severity.as_str()),
                flags::severity_rank.eq(severity_rank(f.severity)),
                flags::reason.eq(f.reason),
                flags::inputs.eq(f.inputs),
                flags::rules_version_id.eq(f.rules_version.0),
                flags::dedup_key.eq(f.dedup_key),
                flags::state.eq(FlagState::Open.as_str()),
                flags::raised_at.eq(now),
                flags::last_seen_at.eq(now),
            ))
            .returning(flags::id)
            .get_result::<i64>(c)
    });
    let id = match inserted {
        Ok(id) => id,
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))
            if f.dedup_key.is_some() =>
        {
            return Ok(None)
        }
        Err(e) => return Err(e.into()),
    };
    add_event(
        conn,
        FlagId(id),
        FlagEventKind::Raised,
        Some(f.severity),
        None,
        f.reason,
        now,
    )?;
    Ok(Some(get(conn, FlagId(id))?))
}

pub fn get(conn: &mut DbConn, id: FlagId) -> Result<Flag, DbError> {
    Ok(per_backend!(conn, |c| flags::table
        .find(id.0)
        .select(Flag::as_select())
        .first(c))?)
}

/// The open (or acknowledged) flag of `rule` on `treatment`, if any, for a
/// writer about to raise or repeat it. Holds the treatment (two writers never
/// both see "no open flag" and raise it twice) and the flag (a clinician
/// resolving it meanwhile waits, so a repeat never lands on a resolved flag).
pub fn unresolved_for_rule(conn: &mut DbConn, treatment: TreatmentId, rule: RuleId) -> Result<Option<Flag>, DbError> {
    super::patients::lock_treatment(conn, treatment)?;
    // On the backend's own connection: every finding of a check-in runs it.
    let found = per_backend!(conn, |c| flags::table
        .filter(flags::treatment_id.eq(treatment.0))
        .filter(flags::rule_id.eq(rule.as_str()))
        .filter(flags::state.ne(FlagState::Resolved.as_str()))
        .order(flags::last_seen_at.desc())
        .select(Flag::as_select())
        .first(c)
        .optional())?;
    let (Some(found), DbConn::Pg(_)) = (&found, &conn) else {
        return Ok(found);
    };
    let id = found.id;
    lock_row!(conn, flags, id.0);
    // Read again under the lock: a clinician may have resolved it meanwhile.
    let flag = get(conn, id)?;
    Ok((flag.state != FlagState::Resolved).then_some(flag))
}

/// Whether `rule` ever raised a flag for this patient (any treatment, any state).
pub fn patient_has_rule(conn: &mut DbConn, patient: PatientId, rule: RuleId) -> Result<bool, DbError> {
    Ok(diesel::select(diesel::dsl::exists(
        flags::table
            .filter(flags::patient_id.eq(patient.0))
            .filter(flags::rule_id.eq(rule.as_str())),
    ))
    .get_result(conn)?)
}

/// The rule fired again: count it, keep the latest values, raise severity if higher.
#[allow(clippy::too_many_arguments)]
pub fn record_repeat(
    conn: &mut DbConn,
    flag: &Flag,
    severity: Severity,
    checkin: Option<CheckInId>,
    reason: &str,
    inputs: &str,
    now: NaiveDateTime,
) -> Result<Flag, DbError> {
    // Kept prepared: every repeat of a rule in a check-in runs it.
    per_backend!(conn, |c| reused::update(
        flags::table,
        flags::id.eq(flag.id.0),
        (
            flags::occurrences.eq(flags::occurrences + 1),
            flags::last_seen_at.eq(now),
            flags::severity.eq(severity.as_str()),
            flags::severity_rank.eq(severity_rank(severity)),
            flags::checkin_id.eq(checkin.map(|c| c.0).or(flag.checkin_id)),
            flags::reason.eq(reason),
            flags::inputs.eq(inputs),
        ),
    )
    .execute(c))?;
    let kind = if severity > flag.severity {
        FlagEventKind::SeverityRaised
    } else {
        FlagEventKind::Repeated
    };
    add_event(conn, flag.id, kind, Some(severity), None, reason, now)?;
    get(conn, flag.id)
}

/// Sets how often a flag was seen (the demo writes a flag's history at once).
pub fn set_occurrences(conn: &mut DbConn, id: FlagId, occurrences: i32) -> Result<(), DbError> {
    diesel::update(flags::table.find(id.0))
        .set(flags::occurrences.eq(occurrences))
        .execute(conn)?;
    Ok(())
}

pub fn set_notified(conn: &mut DbConn, id: FlagId, severity: Severity) -> Result<(), DbError> {
    diesel::update(flags::table.find(id.0))
        .set(flags::notified_severity.eq(severity.as_str()))
        .execute(conn)?;
    Ok(())
}

/// A flag of `clinic` by id; `None` for any other clinic's.
pub fn in_clinic(conn: &mut DbConn, clinic: ClinicId, id: FlagId) -> Result<Option<Flag>, DbError> {
    Ok(flags::table
        .filter(flags::clinic_id.eq(clinic.0))
        .filter(flags::id.eq(id.0))
        .select(Flag::as_select())
        .first(conn)
        .optional()?)
}

pub fn by_reference(conn: &mut DbConn, clinic: ClinicId, reference: &str) -> Result<Option<Flag>, DbError> {
    Ok(flags::table
        .filter(flags::clinic_id.eq(clinic.0))
        .filter(flags::reference.eq(reference))
        .select(Flag::as_select())
        .first(conn)
        .optional()?)
}

/// Open → acknowledged. Returns false when the flag was not open.
pub fn acknowledge(conn: &mut DbConn, id: FlagId, staff: StaffId, now: NaiveDateTime) -> Result<bool, DbError> {
    let n = diesel::update(
        flags::table
            .find(id.0)
            .filter(flags::state.eq(FlagState::Open.as_str())),
    )
    .set((
        flags::state.eq(FlagState::Acknowledged.as_str()),
        flags::acknowledged_by.eq(staff.0),
        flags::acknowledged_at.eq(now),
    ))
    .execute(conn)?;
    if n == 1 {
        add_event(conn, id, FlagEventKind::Acknowledged, None, Some(staff), "", now)?;
    }
    Ok(n == 1)
}

/// Open or acknowledged → resolved, with its outcome and a note. Acknowledges on the way if needed.
pub fn resolve(
    conn: &mut DbConn,
    id: FlagId,
    staff: StaffId,
    outcome: Outcome,
    note: &str,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let flag = get(conn, id)?;
    if flag.state == FlagState::Resolved {
        return Ok(false);
    }
    // Only if still unresolved: of two clinicians resolving at once, one does.
    let n = diesel::update(
        flags::table
            .find(id.0)
            .filter(flags::state.ne(FlagState::Resolved.as_str())),
    )
    .set((
        flags::state.eq(FlagState::Resolved.as_str()),
        flags::acknowledged_by.eq(flag.acknowledged_by.unwrap_or(staff.0)),
        flags::acknowledged_at.eq(flag.acknowledged_at.unwrap_or(now)),
        flags::resolved_by.eq(staff.0),
        flags::resolved_at.eq(now),
        flags::resolution_note.eq(note),
        flags::outcome.eq(outcome.as_str()),
    ))
    .execute(conn)?;
    if n == 1 {
        let event = Event {
            kind: FlagEventKind::Resolved,
            severity: None,
            staff: Some(staff),
            detail: note,
            outcome: Some(outcome),
        };
        insert_event(conn, id, &event, now)?;
    }
    Ok(n == 1)
}

/// Urgent flags still open (not acknowledged) since before `raised_before`, not yet escalated.
pub fn due_for_escalation(
    conn: &mut DbConn,
    clinic: ClinicId,
    raised_before: NaiveDateTime,
) -> Result<Vec<Flag>, DbError> {
    Ok(flags::table
        .filter(flags::clinic_id.eq(clinic.0))
        .filter(flags::severity.eq(Severity::Urgent.as_str()))
        .filter(flags::state.eq(FlagState::Open.as_str()))
        .filter(flags::escalated_at.is_null())
        .filter(flags::raised_at.le(raised_before))
        .select(Flag::as_select())
        .load(conn)?)
}

/// Marks a flag escalated; false if another process already did (exactly once).
pub fn mark_escalated(conn: &mut DbConn, id: FlagId, now: NaiveDateTime) -> Result<bool, DbError> {
    let n = diesel::update(flags::table.find(id.0).filter(flags::escalated_at.is_null()))
        .set(flags::escalated_at.eq(now))
        .execute(conn)?;
    if n == 1 {
        add_event(conn, id, FlagEventKind::Escalated, None, None, "", now)?;
    }
    Ok(n == 1)
}

/// Review flags of a clinic raised but not yet emailed (for the morning digest).
pub fn review_awaiting_digest(conn: &mut DbConn, clinic: ClinicId) -> Result<Vec<Flag>, DbError> {
    Ok(flags::table
        .filter(flags::clinic_id.eq(clinic.0))
        .filter(flags::severity.eq(Severity::Review.as_str()))
        .filter(flags::state.ne(FlagState::Resolved.as_str()))
        .filter(flags::notified_severity.is_null())
        .order(flags::raised_at.asc())
        .select(Flag::as_select())
        .load(conn)?)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = flag_events)]
pub struct FlagEvent {
    #[diesel(deserialize_as = String)]
    pub kind: FlagEventKind,
    pub severity: Option<String>,
    pub staff_id: Option<i64>,
    pub detail: String,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    pub at: NaiveDateTime,
    /// On a resolve event: what came of the flag (read with [`FlagEvent::outcome`]).
    #[diesel(column_name = outcome)]
    pub outcome_text: Option<String>,
}

impl FlagEvent {
    pub fn outcome(&self) -> Option<Outcome> {
        self.outcome_text.as_deref().and_then(|s| Outcome::parse(s).ok())
    }
}

pub fn add_event(
    conn: &mut DbConn,
    flag: FlagId,
    kind: FlagEventKind,
    severity: Option<Severity>,
    staff: Option<StaffId>,
    detail: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let event = Event {
        kind,
        severity,
        staff,
        detail,
        outcome: None,
    };
    insert_event(conn, flag, &event, now)
}

/// One history line as written.
struct Event<'a> {
    kind: FlagEventKind,
    severity: Option<Severity>,
    staff: Option<StaffId>,
    detail: &'a str,
    outcome: Option<Outcome>,
}

fn insert_event(conn: &mut DbConn, flag: FlagId, e: &Event, now: NaiveDateTime) -> Result<(), DbError> {
    diesel::insert_into(flag_events::table)
        .values((
            flag_events::flag_id.eq(flag.0),
            flag_events::kind.eq(e.kind.as_str()),
            flag_events::severity.eq(e.severity.map(|s| s.as_str())),
            flag_events::staff_id.eq(e.staff.map(|s| s.0)),
            flag_events::detail.eq(e.detail),
            flag_events::at.eq(now),
            flag_events::outcome.eq(e.outcome.map(|o| o.as_str())),
        ))
        .execute(conn)?;
    Ok(())
}

/// One flag's events, in order.
pub fn events(conn: &mut DbConn, flag: FlagId) -> Result<Vec<FlagEvent>, DbError> {
    Ok(events_of(conn, &[flag])?.remove(&flag).unwrap_or_default())
}

/// The events of each of `ids` (a patient's flags), each flag's in order:
/// one statement (`reused::one_of`) instead of one a flag.
pub fn events_of(conn: &mut DbConn, ids: &[FlagId]) -> Result<HashMap<FlagId, Vec<FlagEvent>>, DbError> {
    let mut by_flag: HashMap<FlagId, Vec<FlagEvent>> = HashMap::with_capacity(ids.len());
    if ids.is_empty() {
        return Ok(by_flag);
    }
    let list: Vec<i64> = ids.iter().map(|f| f.0).collect();
    let rows: Vec<(i64, FlagEvent)> = per_backend!(conn, |c| flag_events::table
        .filter(super::reused::one_of(flag_events::flag_id, list))
        .order((flag_events::flag_id, flag_events::at.asc(), flag_events::id.asc()))
        .select((flag_events::flag_id, FlagEvent::as_select()))
        .load(c))?;
    for (flag, e) in rows {
        by_flag.entry(FlagId(flag)).or_default().push(e);
    }
    Ok(by_flag)
}

/// Flags raised by one check-in (for the patient's result page).
pub fn of_checkin(conn: &mut DbConn, checkin: CheckInId) -> Result<Vec<Flag>, DbError> {
    Ok(flags::table
        .filter(flags::checkin_id.eq(checkin.0))
        .order(flags::severity_rank.asc())
        .select(Flag::as_select())
        .load(conn)?)
}

/// The open and acknowledged flags of a patient of `clinic`, oldest first.
pub fn unresolved_of_patient(conn: &mut DbConn, clinic: ClinicId, patient: PatientId) -> Result<Vec<Flag>, DbError> {
    Ok(flags::table
        .filter(flags::clinic_id.eq(clinic.0))
        .filter(flags::patient_id.eq(patient.0))
        .filter(flags::state.ne(FlagState::Resolved.as_str()))
        .order((flags::raised_at.asc(), flags::id.asc()))
        .select(Flag::as_select())
        .load(conn)?)
}

/// All flags of a treatment, newest first.
pub fn of_treatment(conn: &mut DbConn, treatment: TreatmentId) -> Result<Vec<Flag>, DbError> {
    Ok(flags::table
        .filter(flags::treatment_id.eq(treatment.0))
        .order(flags::raised_at.desc())
        .select(Flag::as_select())
        .load(conn)?)
}
