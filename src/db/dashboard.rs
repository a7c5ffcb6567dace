//! Read queries for the clinician dashboard. Every query is scoped by clinic
//! and draws one page from an index: none reads all check-ins of a clinic.

use super::schema::{accounts, checkins, flags, outbox, patients, treatments};
use super::{DbConn, DbError};
use crate::domain::*;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use std::collections::HashMap;

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// Which flags the queue shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateFilter {
    /// Open and acknowledged: the work still to do (the default).
    Unresolved,
    Only(FlagState),
    All,
}

impl StateFilter {
    pub fn parse(s: &str) -> Self {
        match s {
            "all" => Self::All,
            "" | "unresolved" => Self::Unresolved,
            other => FlagState::parse(other).map(Self::Only).unwrap_or(Self::Unresolved),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unresolved => "unresolved",
            Self::All => "all",
            Self::Only(s) => s.as_str(),
        }
    }
    fn states(self) -> Vec<&'static str> {
        match self {
            Self::Unresolved => vec![FlagState::Open.as_str(), FlagState::Acknowledged.as_str()],
            Self::Only(s) => vec![s.as_str()],
            Self::All => FlagState::ALL.iter().map(|s| s.as_str()).collect(),
        }
    }
}

/// One row of the triage queue: the flag with its patient and treatment.
#[derive(Debug, Clone)]
pub struct QueueRow {
    pub flag: super::flags::Flag,
    pub patient_name: String,
    pub phone: Option<PhoneNumber>,
    pub procedure: ProcedureClass,
    pub treated_on: NaiveDate,
}

/// One patient's line in the queue, from the flags matching its filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientGroup {
    pub patient: PatientId,
    /// The highest severity among them.
    pub top: Severity,
    /// When the oldest of the top severity was raised (the sort key within a severity).
    pub oldest_top: NaiveDateTime,
    /// How many flags of each severity.
    pub counts: Vec<(Severity, i64)>,
}

impl PatientGroup {
    pub fn flags(&self) -> i64 {
        self.counts.iter().map(|(_, n)| n).sum()
    }
}

/// Every patient with flags matching the filters, urgent first, then review,
/// then info, oldest first within each. The database groups the flags by
/// patient and severity (walking `flags_queue`), so at most three small rows
/// per patient leave it; the page is cut from the sorted list.
pub fn queue_groups(
    conn: &mut DbConn,
    clinic: ClinicId,
    state: StateFilter,
    severity: Option<Severity>,
) -> Result<Vec<PatientGroup>, DbError> {
    // Not boxed (diesel groups only unboxed queries): the severity filter
    // is a list of ranks, every one or the one chosen.
    let ranks: Vec<i32> = Severity::ALL
        .iter()
        .filter(|s| severity.is_none_or(|chosen| chosen == **s))
        .map(|s| super::flags::severity_rank(*s))
        .collect();
    let rows: Vec<(i64, i32, Option<NaiveDateTime>, i64)> = flags::table
        .filter(flags::clinic_id.eq(clinic.0))
        .filter(flags::state.eq_any(state.states()))
        .filter(flags::severity_rank.eq_any(ranks))
        .group_by((flags::patient_id, flags::severity_rank))
        .select((
            flags::patient_id,
            flags::severity_rank,
            diesel::dsl::min(flags::raised_at),
            diesel::dsl::count_star(),
        ))
        .load(conn)?;
    let mut by_patient: HashMap<i64, PatientGroup> = HashMap::new();
    for (pid, rank, oldest, n) in rows {
        let (Some(sev), Some(oldest)) = (severity_of_rank(rank), oldest) else {
            continue;
        };
        let g = by_patient.entry(pid).or_insert_with(|| PatientGroup {
            patient: PatientId(pid),
            top: sev,
            oldest_top: oldest,
            counts: Vec::new(),
        });
        if sev > g.top || (sev == g.top && oldest < g.oldest_top) {
            g.top = sev;
            g.oldest_top = oldest;
        }
        g.counts.push((sev, n));
    }
    let mut groups: Vec<PatientGroup> = by_patient.into_values().collect();
    for g in &mut groups {
        g.counts.sort_by_key(|c| std::cmp::Reverse(c.0));
    }
    groups.sort_by(|a, b| (b.top, a.oldest_top, a.patient.0).cmp(&(a.top, b.oldest_top, b.patient.0)));
    Ok(groups)
}

fn severity_of_rank(rank: i32) -> Option<Severity> {
    Severity::ALL
        .iter()
        .copied()
        .find(|s| super::flags::severity_rank(*s) == rank)
}

/// The flags of `patients` matching the queue's filters, with each one's
/// patient and treatment: urgent first, oldest first.
pub fn queue_flags_of(
    conn: &mut DbConn,
    clinic: ClinicId,
    state: StateFilter,
    severity: Option<Severity>,
    patients: &[PatientId],
) -> Result<Vec<QueueRow>, DbError> {
    let ids: Vec<i64> = patients.iter().map(|p| p.0).collect();
    let mut q = flags::table
        .inner_join(patients::table)
        .inner_join(treatments::table)
        .filter(flags::clinic_id.eq(clinic.0))
        .filter(flags::patient_id.eq_any(ids))
        .filter(flags::state.eq_any(state.states()))
        .into_boxed();
    if let Some(s) = severity {
        q = q.filter(flags::severity_rank.eq(super::flags::severity_rank(s)));
    }
    type Row = (
        super::flags::Flag,
        String,
        (Option<String>, Option<String>),
        String,
        NaiveDate,
    );
    let rows: Vec<Row> = q
        .order((flags::severity_rank.asc(), flags::raised_at.asc(), flags::id.asc()))
        .select((
            super::flags::Flag::as_select(),
            patients::name,
            (patients::phone, patients::phone_tel),
            treatments::procedure,
            treatments::treated_on,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(flag, patient_name, (phone, tel), procedure, treated_on)| {
            Ok(QueueRow {
                flag,
                patient_name,
                phone: super::patients::stored_phone(phone, tel),
                procedure: ProcedureClass::parse(&procedure).map_err(bad)?,
                treated_on,
            })
        })
        .collect()
}

/// The day of recovery of each patient's latest check-in (by date), read
/// from `checkins_patient_day` one patient at a time (a queue page's worth).
pub fn latest_checkin_days(
    conn: &mut DbConn,
    clinic: ClinicId,
    patients: &[PatientId],
) -> Result<HashMap<PatientId, i64>, DbError> {
    let mut out = HashMap::new();
    for p in patients {
        let day: Option<i32> = checkins::table
            .filter(checkins::patient_id.eq(p.0))
            .filter(checkins::clinic_id.eq(clinic.0))
            .order((checkins::day.desc(), checkins::id.desc()))
            .select(checkins::day_number)
            .first(conn)
            .optional()?;
        if let Some(d) = day {
            out.insert(*p, i64::from(d));
        }
    }
    Ok(out)
}

fn bad(e: UnknownOption) -> DbError {
    DbError::Query(diesel::result::Error::DeserializationError(Box::new(e)))
}

/// One row of the patient list.
#[derive(Debug, Clone)]
pub struct PatientListRow {
    pub id: PatientId,
    pub name: String,
    pub email: String,
    pub last_checkin_at: Option<NaiveDateTime>,
    pub follow_up_closed_at: Option<NaiveDateTime>,
}

/// Which patients the list shows, besides the search.
#[derive(Debug, Clone, Default)]
pub struct PatientSet {
    /// Only these ids (the patients with open flags, or overdue).
    pub only: Option<Vec<i64>>,
    /// Only patients who have not accepted their invitation.
    pub invited: bool,
}

impl PatientSet {
    fn is_everyone(&self) -> bool {
        self.only.is_none() && !self.invited
    }
}

/// `%text%` for LIKE, with the wildcards in the text itself escaped.
fn like_pattern(q: &str) -> String {
    let mut p = String::from("%");
    for ch in q.to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

macro_rules! patient_search {
    ($clinic:expr, $q:expr) => {
        patient_search!($clinic, $q, &PatientSet::default())
    };
    ($clinic:expr, $q:expr, $set:expr) => {{
        let set: &PatientSet = $set;
        let mut query = patients::table
            .inner_join(accounts::table)
            .filter(patients::clinic_id.eq($clinic.0))
            .into_boxed();
        if let Some(q) = $q.map(str::trim).filter(|q| !q.is_empty()) {
            let pattern = like_pattern(q);
            query = query.filter(
                lower(patients::name)
                    .like(pattern.clone())
                    .escape('\\')
                    .or(lower(accounts::email).like(pattern).escape('\\')),
            );
        }
        if let Some(ids) = &set.only {
            query = query.filter(patients::id.eq_any(ids.clone()));
        }
        if set.invited {
            query = query.filter(accounts::password_hash.is_null());
        }
        query
    }};
}

type ListTuple = (i64, String, String, Option<NaiveDateTime>, Option<NaiveDateTime>);

/// A page of a clinic's patients in `set`, optionally matching `q` in the
/// name or email (case-insensitive): those in `first` (the patients with
/// open urgent flags) come first, then everyone else, each part by name.
/// Two walks of `patients_clinic_name`, one per part; `first` is small (one
/// entry per patient with an urgent flag still open).
pub fn patients_page(
    conn: &mut DbConn,
    clinic: ClinicId,
    q: Option<&str>,
    set: &PatientSet,
    first: &[i64],
    offset: i64,
    limit: i64,
) -> Result<Vec<PatientListRow>, DbError> {
    let load = |conn: &mut DbConn, part: bool, offset: i64, limit: i64| -> Result<Vec<ListTuple>, DbError> {
        let mut query = patient_search!(clinic, q, set);
        query = if part {
            query.filter(patients::id.eq_any(first.to_vec()))
        } else {
            query.filter(patients::id.ne_all(first.to_vec()))
        };
        Ok(query
            .order((patients::name.asc(), patients::id.asc()))
            .offset(offset)
            .limit(limit)
            .select((
                patients::id,
                patients::name,
                accounts::email,
                patients::last_checkin_at,
                patients::follow_up_closed_at,
            ))
            .load(conn)?)
    };
    let mut rows = if first.is_empty() {
        Vec::new()
    } else {
        load(conn, true, offset, limit)?
    };
    if (rows.len() as i64) < limit {
        // Where the rest starts: a page that began inside the first part
        // continues with the rest from its start; one past it skips as many
        // rows as the first part has.
        let rest_offset = if first.is_empty() {
            offset
        } else if !rows.is_empty() {
            0
        } else {
            let in_first: i64 = patient_search!(clinic, q, set)
                .filter(patients::id.eq_any(first.to_vec()))
                .count()
                .get_result(conn)?;
            (offset - in_first).max(0)
        };
        rows.extend(load(conn, false, rest_offset, limit - rows.len() as i64)?);
    }
    Ok(rows
        .into_iter()
        .map(
            |(id, name, email, last_checkin_at, follow_up_closed_at)| PatientListRow {
                id: PatientId(id),
                name,
                email,
                last_checkin_at,
                follow_up_closed_at,
            },
        )
        .collect())
}

/// Patients of `clinic` with an unresolved flag, optionally only of one
/// severity: one walk of `flags_queue (clinic_id, state, severity_rank, …)`.
pub fn patients_with_unresolved_flags(
    conn: &mut DbConn,
    clinic: ClinicId,
    severity: Option<Severity>,
) -> Result<Vec<i64>, DbError> {
    let mut q = flags::table
        .filter(flags::clinic_id.eq(clinic.0))
        .filter(flags::state.eq_any(StateFilter::Unresolved.states()))
        .into_boxed();
    if let Some(s) = severity {
        q = q.filter(flags::severity_rank.eq(super::flags::severity_rank(s)));
    }
    let mut ids: Vec<i64> = q.select(flags::patient_id).distinct().load(conn)?;
    ids.sort_unstable();
    Ok(ids)
}

/// Patients still in follow-up with a treatment on or after `since` (the
/// only ones whose check-in can be overdue), with when they last checked
/// in: a walk of `treatments_clinic_date`.
pub fn in_follow_up_since(
    conn: &mut DbConn,
    clinic: ClinicId,
    since: NaiveDate,
) -> Result<Vec<(PatientId, Option<NaiveDateTime>)>, DbError> {
    let rows: Vec<(i64, Option<NaiveDateTime>)> = treatments::table
        .inner_join(patients::table)
        .filter(treatments::clinic_id.eq(clinic.0))
        .filter(treatments::treated_on.ge(since))
        .filter(patients::follow_up_closed_at.is_null())
        .select((patients::id, patients::last_checkin_at))
        .distinct()
        .load(conn)?;
    Ok(rows.into_iter().map(|(id, at)| (PatientId(id), at)).collect())
}

/// Without a search the count needs no join: every patient has an account
/// (a NOT NULL foreign key), so counting `patients` by clinic gives the same
/// number and is answered from the `patients_clinic_name` index alone.
macro_rules! clinic_patient_count {
    ($clinic:expr) => {
        patients::table.filter(patients::clinic_id.eq($clinic.0)).count()
    };
}

/// How many patients the list has, optionally matching `q` (for the pager).
pub fn patients_count(conn: &mut DbConn, clinic: ClinicId, q: Option<&str>, set: &PatientSet) -> Result<i64, DbError> {
    if q.map(str::trim).is_none_or(str::is_empty) && set.is_everyone() {
        return Ok(clinic_patient_count!(clinic).get_result(conn)?);
    }
    Ok(patient_search!(clinic, q, set).count().get_result(conn)?)
}

/// The plan the database chooses for the unsearched patient count, one line
/// per step (tests check that it reads only the index).
pub fn patients_count_plan(conn: &mut DbConn, clinic: ClinicId) -> Result<String, DbError> {
    super::plan::explain(conn, clinic_patient_count!(clinic))
}

/// The latest treatment of each of `ids` (by date).
pub fn latest_treatments(
    conn: &mut DbConn,
    clinic: ClinicId,
    ids: &[PatientId],
) -> Result<HashMap<PatientId, (ProcedureClass, NaiveDate)>, DbError> {
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    let rows: Vec<(i64, String, NaiveDate)> = treatments::table
        .filter(treatments::clinic_id.eq(clinic.0))
        .filter(treatments::patient_id.eq_any(raw))
        .order((treatments::treated_on.asc(), treatments::id.asc()))
        .select((treatments::patient_id, treatments::procedure, treatments::treated_on))
        .load(conn)?;
    let mut out = HashMap::new();
    for (pid, procedure, date) in rows {
        // Ascending order: the last one written wins, the latest.
        out.insert(PatientId(pid), (ProcedureClass::parse(&procedure).map_err(bad)?, date));
    }
    Ok(out)
}

/// Unresolved flags of each of `ids`, counted by severity.
pub fn unresolved_flags_of(
    conn: &mut DbConn,
    clinic: ClinicId,
    ids: &[PatientId],
) -> Result<HashMap<PatientId, HashMap<Severity, i64>>, DbError> {
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    let rows: Vec<(i64, String, i64)> = flags::table
        .filter(flags::patient_id.eq_any(raw))
        .filter(flags::clinic_id.eq(clinic.0))
        .filter(flags::state.eq_any(StateFilter::Unresolved.states()))
        .group_by((flags::patient_id, flags::severity))
        .select((flags::patient_id, flags::severity, diesel::dsl::count_star()))
        .load(conn)?;
    let mut out: HashMap<PatientId, HashMap<Severity, i64>> = HashMap::new();
    for (pid, sev, n) in rows {
        out.entry(PatientId(pid))
            .or_default()
            .insert(Severity::parse(&sev).map_err(bad)?, n);
    }
    Ok(out)
}

/// Every flag of a patient (of `clinic`), newest first.
pub fn flags_of_patient(
    conn: &mut DbConn,
    clinic: ClinicId,
    patient: PatientId,
) -> Result<Vec<super::flags::Flag>, DbError> {
    Ok(flags::table
        .filter(flags::patient_id.eq(patient.0))
        .filter(flags::clinic_id.eq(clinic.0))
        .order((flags::raised_at.desc(), flags::id.desc()))
        .select(super::flags::Flag::as_select())
        .load(conn)?)
}

/// A page of a clinic's flags raised in [from, to), by id, for export.
pub fn flags_between(
    conn: &mut DbConn,
    clinic: ClinicId,
    from: NaiveDateTime,
    to: NaiveDateTime,
    after_id: i64,
    limit: i64,
) -> Result<Vec<super::flags::Flag>, DbError> {
    Ok(flags::table
        .filter(flags::clinic_id.eq(clinic.0))
        .filter(flags::raised_at.ge(from))
        .filter(flags::raised_at.lt(to))
        .filter(flags::id.gt(after_id))
        .order(flags::id.asc())
        .limit(limit)
        .select(super::flags::Flag::as_select())
        .load(conn)?)
}

/// An outbox row as the outbox page shows it: never the body.
#[derive(Debug, Clone, Queryable)]
pub struct OutboxSummary {
    pub id: i64,
    pub kind: String,
    pub recipient: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
}

/// Emails of a clinic not yet sent (pending or dead), newest first.
pub fn unsent_emails(conn: &mut DbConn, clinic: ClinicId, limit: i64) -> Result<Vec<OutboxSummary>, DbError> {
    Ok(outbox::table
        .filter(outbox::clinic_id.eq(clinic.0))
        .filter(outbox::status.eq_any([super::outbox::PENDING, super::outbox::DEAD]))
        .order(outbox::id.desc())
        .limit(limit)
        .select((
            outbox::id,
            outbox::kind,
            outbox::recipient,
            outbox::status,
            outbox::attempts,
            outbox::next_attempt_at,
            outbox::last_error,
            outbox::created_at,
        ))
        .load(conn)?)
}

/// Whether outbox row `id` is one of `clinic`'s.
pub fn email_in_clinic(conn: &mut DbConn, clinic: ClinicId, id: OutboxId) -> Result<bool, DbError> {
    let n: i64 = outbox::table
        .filter(outbox::id.eq(id.0))
        .filter(outbox::clinic_id.eq(clinic.0))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("Ann"), "%ann%");
        assert_eq!(like_pattern("50%_x"), "%50\\%\\_x%");
    }

    #[test]
    fn state_filters_parse_with_a_safe_default() {
        assert_eq!(StateFilter::parse(""), StateFilter::Unresolved);
        assert_eq!(StateFilter::parse("resolved"), StateFilter::Only(FlagState::Resolved));
        assert_eq!(StateFilter::parse("all"), StateFilter::All);
        assert_eq!(StateFilter::parse("nonsense"), StateFilter::Unresolved);
    }
}
