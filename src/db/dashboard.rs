//! Read queries for the clinician dashboard. Every query is scoped by clinic
//! and draws one page from an index: none reads all check-ins of a clinic.

use super::parsed::Parsed;
use super::reused::one_of;
use super::schema::{flags, outbox, patients, treatments};
use super::{DbConn, DbError};
use crate::domain::search::SearchPrefix;
use crate::domain::*;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use std::collections::{HashMap, HashSet};

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

/// What a queue card shows of a flag (not its reason, inputs or history).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = flags)]
pub struct QueueFlag {
    pub reference: String,
    #[diesel(deserialize_as = i64)]
    pub patient_id: PatientId,
    pub checkin_id: Option<i64>,
    #[diesel(deserialize_as = Parsed<RuleId>)]
    pub rule_id: RuleId,
    #[diesel(deserialize_as = Parsed<Severity>)]
    pub severity: Severity,
    #[diesel(deserialize_as = Parsed<FlagState>)]
    pub state: FlagState,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    pub raised_at: NaiveDateTime,
    #[diesel(deserialize_as = super::stamp::MaybeStamp)]
    pub escalated_at: Option<NaiveDateTime>,
}

/// One row of the triage queue: the flag with its patient and treatment.
#[derive(Debug, Clone)]
pub struct QueueRow {
    pub flag: QueueFlag,
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
    pub counts: SeverityCounts,
}

impl PatientGroup {
    pub fn flags(&self) -> i64 {
        self.counts.iter().map(|(_, n)| n).sum()
    }
}

/// Flags counted by severity: a fixed array, as a queue makes one for
/// each of its hundreds of patients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SeverityCounts([i64; Severity::ALL.len()]);

impl SeverityCounts {
    fn slot(s: Severity) -> usize {
        Severity::ALL.iter().position(|x| *x == s).unwrap_or(0)
    }

    pub fn add(&mut self, s: Severity) {
        self.0[Self::slot(s)] += 1;
    }

    /// The severities counted (none of zero), the most severe first.
    pub fn iter(&self) -> impl Iterator<Item = (Severity, i64)> + '_ {
        Severity::ALL
            .iter()
            .rev()
            .map(|s| (*s, self.0[Self::slot(*s)]))
            .filter(|(_, n)| *n > 0)
    }
}

/// Every patient with flags matching the filters, urgent first, then review,
/// then info, oldest first within each. The database groups the flags by
/// patient and severity (walking `flags_queue (clinic_id, state, patient_id,
/// severity_rank, raised_at)`, already in that order), so at most three small rows
/// per patient leave it; the page is cut from the sorted list.
pub fn queue_groups(
    conn: &mut DbConn,
    clinic: ClinicId,
    state: StateFilter,
    severity: Option<Severity>,
) -> Result<Vec<PatientGroup>, DbError> {
    let (lo, hi) = rank_range(severity);
    // One statement per state, each a range of `flags_queue` with the state
    // bound alone: a list of states (`= ANY($n)`) is what PostgreSQL's
    // generic plan takes for nearly every row, and it then walks all the
    // clinic's flags instead. The rows themselves, not `GROUP BY`: nearly
    // every (patient, severity) has one flag, so SQLite's aggregate (with
    // `min()` over text timestamps) cost more than the rows it saved.
    let mut rows: Vec<(i64, i32, NaiveDateTime)> = Vec::new();
    for s in state.states() {
        let part: Vec<(i64, i32, super::stamp::Stamp)> = per_backend!(conn, |c| flags::table
            .filter(flags::clinic_id.eq(clinic.0))
            .filter(flags::state.eq(s))
            .filter(flags::severity_rank.between(lo, hi))
            .select((flags::patient_id, flags::severity_rank, flags::raised_at))
            .load(c))?;
        rows.extend(part.into_iter().map(|(pid, rank, at)| (pid, rank, at.0)));
    }
    // Sorted, a patient's rows (from every state) sit side by side, by
    // severity, and are merged in one pass without hashing.
    rows.sort_unstable_by_key(|r| (r.0, r.1));
    let mut groups: Vec<PatientGroup> = Vec::new();
    for (pid, rank, raised) in rows {
        let Some(sev) = severity_of_rank(rank) else {
            continue;
        };
        if groups.last().is_none_or(|g: &PatientGroup| g.patient.0 != pid) {
            groups.push(PatientGroup {
                patient: PatientId(pid),
                top: sev,
                oldest_top: raised,
                counts: SeverityCounts::default(),
            });
        }
        let Some(g) = groups.last_mut() else { continue };
        if sev > g.top || (sev == g.top && raised < g.oldest_top) {
            g.top = sev;
            g.oldest_top = raised;
        }
        g.counts.add(sev);
    }
    groups.sort_by(|a, b| (b.top, a.oldest_top, a.patient.0).cmp(&(a.top, b.oldest_top, b.patient.0)));
    Ok(groups)
}

/// The ranks a severity filter keeps, as a range: every severity, or one.
fn rank_range(severity: Option<Severity>) -> (i32, i32) {
    let ranks = Severity::ALL
        .iter()
        .filter(|s| severity.is_none_or(|chosen| chosen == **s))
        .map(|s| super::flags::severity_rank(*s));
    let (lo, hi) = ranks.fold((i32::MAX, i32::MIN), |(lo, hi), r| (lo.min(r), hi.max(r)));
    (lo, hi)
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
    let states = state.states();
    // No severity filter: every severity's rank.
    let (lo, hi) = rank_range(severity);
    type Row = (
        QueueFlag,
        String,
        (Option<String>, Option<String>),
        Parsed<ProcedureClass>,
        super::stamp::Day,
    );
    // Each list one bind (`reused::one_of`): prepared once, not per page.
    let rows: Vec<Row> = per_backend!(conn, |c| flags::table
        .inner_join(patients::table)
        .inner_join(treatments::table)
        .filter(same_clinic!(flags::clinic_id, clinic))
        .filter(one_of(flags::patient_id, ids))
        .filter(one_of(flags::state, states))
        .filter(flags::severity_rank.between(lo, hi))
        .order((flags::severity_rank.asc(), flags::raised_at.asc(), flags::id.asc()))
        .select((
            QueueFlag::as_select(),
            patients::name,
            (patients::phone, patients::phone_tel),
            treatments::procedure,
            treatments::treated_on,
        ))
        .load(c))?;
    Ok(rows
        .into_iter()
        .map(|(flag, patient_name, (phone, tel), procedure, treated_on)| QueueRow {
            flag,
            patient_name,
            phone: super::patients::stored_phone(phone, tel),
            procedure: procedure.0,
            treated_on: treated_on.0,
        })
        .collect())
}

/// The day of recovery of each patient's latest check-in (by date): one
/// statement for a queue page's worth, each patient's newest row read from
/// `checkins_patient_day` by a correlated subquery (one statement per
/// patient was 25 round trips a page on PostgreSQL).
pub fn latest_checkin_days(
    conn: &mut DbConn,
    clinic: ClinicId,
    patients: &[PatientId],
) -> Result<HashMap<PatientId, i64>, DbError> {
    if patients.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<i64> = patients.iter().map(|p| p.0).collect();
    let query = latest_days::LatestDays::new(ids, clinic);
    let rows: Vec<(i64, Option<i32>)> = per_backend!(conn, |c| query.load(c))?;
    Ok(rows
        .into_iter()
        .filter_map(|(p, d)| d.map(|d| (PatientId(p), i64::from(d))))
        .collect())
}

/// [`latest_checkin_days`]' statement, written out (diesel has no
/// correlated scalar subquery in a select list) but kept prepared by its
/// text: `sql_query` is prepared and, on PostgreSQL, planned afresh on
/// every call (about 1.5 ms of planning). The list is [`one_of`]'s.
mod latest_days {
    use crate::db::reused::{one_of, OneOf};
    use crate::db::schema::patients;
    use crate::domain::ClinicId;
    use diesel::backend::Backend;
    use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
    use diesel::serialize::ToSql;
    use diesel::sql_types::{BigInt, Integer, Nullable};
    use diesel::{QueryResult, RunQueryDsl};

    pub struct LatestDays {
        ids: OneOf<patients::id, i64>,
        clinic: i64,
    }

    impl LatestDays {
        pub fn new(ids: Vec<i64>, clinic: ClinicId) -> Self {
            Self {
                ids: one_of(patients::id, ids),
                clinic: clinic.0,
            }
        }
    }

    impl<DB> QueryFragment<DB> for LatestDays
    where
        DB: Backend,
        OneOf<patients::id, i64>: QueryFragment<DB>,
        i64: ToSql<BigInt, DB>,
    {
        fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
            out.push_sql(
                "SELECT patients.id, (SELECT c.day_number FROM checkins c \
                 WHERE c.patient_id = patients.id AND c.clinic_id + 0 = patients.clinic_id \
                 ORDER BY c.day DESC, c.id DESC LIMIT 1) FROM patients WHERE ",
            );
            self.ids.walk_ast(out.reborrow())?;
            out.push_sql(" AND patients.clinic_id + 0 = ");
            out.push_bind_param::<BigInt, i64>(&self.clinic)
        }
    }

    impl QueryId for LatestDays {
        type QueryId = ();
        // Keyed by its text, which is fixed per backend.
        const HAS_STATIC_QUERY_ID: bool = false;
    }

    impl Query for LatestDays {
        type SqlType = (BigInt, Nullable<Integer>);
    }

    impl<C> RunQueryDsl<C> for LatestDays {}
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

/// Which patients the list shows, besides the search: everyone, or only
/// these ids (the patients with open flags, overdue, or invited).
#[derive(Debug, Clone, Default)]
pub struct PatientSet {
    pub only: Option<Vec<i64>>,
}

/// More matches than this and a search is too broad to count or sort: the
/// page says "more than" and walks the clinic's patients by name instead.
pub const SEARCH_CAP: usize = 1000;

/// How many patients the list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListTotal {
    Exactly(i64),
    /// A search matching more than [`SEARCH_CAP`] patients.
    MoreThan(i64),
}

/// One page of the patient list and how many patients the list holds.
#[derive(Debug, Clone)]
pub struct PatientListPage {
    pub rows: Vec<PatientListRow>,
    pub total: ListTotal,
}

/// The statements the patient list runs, each built here once: the page
/// runs them, and [`patient_list_plans`] explains the very same ones.
mod list_sql {
    use super::super::schema::{accounts, patient_search, patients};
    use super::super::Backend;
    use crate::db::reused::one_of;
    use crate::domain::search::SearchPrefix;
    use crate::domain::ClinicId;
    use diesel::dsl::{exists, Filter, InnerJoin, Select};
    use diesel::prelude::*;
    use diesel::sql_types::{BigInt, Text};

    /// Up to `cap` distinct patients with a term starting with `q`, as
    /// (name, id): one range of `patient_search`'s primary key.
    pub fn matches<'a>(
        clinic: ClinicId,
        q: &SearchPrefix,
        cap: i64,
    ) -> patient_search::BoxedQuery<'a, Backend, (Text, BigInt)> {
        patient_search::table
            .filter(patient_search::clinic_id.eq(clinic.0))
            .filter(patient_search::term.ge(q.as_str().to_string()))
            .filter(patient_search::term.lt(q.end()))
            .into_boxed()
            .select((patient_search::name, patient_search::patient_id))
            .distinct()
            .limit(cap)
    }

    /// Only the patients with a term starting with `q`, if given: each one
    /// probed in `patient_search_patient (patient_id, term)`. The `LIMIT 1`
    /// keeps PostgreSQL from turning the probe into a join over every
    /// patient's terms (it leaves a subquery with a bound limit alone).
    fn matching<'a>(
        query: patients::BoxedQuery<'a, Backend>,
        q: Option<&SearchPrefix>,
    ) -> patients::BoxedQuery<'a, Backend> {
        let Some(q) = q else { return query };
        query.filter(exists(
            patient_search::table
                .filter(patient_search::patient_id.eq(patients::id))
                .filter(patient_search::term.ge(q.as_str().to_string()))
                .filter(patient_search::term.lt(q.end()))
                .select(patient_search::patient_id)
                .limit(1),
        ))
    }

    /// The clinic's patients (matching `q`), walked by `patients_clinic_name`.
    fn walk<'a>(clinic: ClinicId, q: Option<&SearchPrefix>) -> patients::BoxedQuery<'a, Backend> {
        matching(patients::table.filter(patients::clinic_id.eq(clinic.0)).into_boxed(), q)
    }

    /// `ids` among the clinic's patients (matching `q`), as (name, id), by
    /// primary key.
    pub fn named<'a>(
        clinic: ClinicId,
        q: Option<&SearchPrefix>,
        ids: Vec<i64>,
    ) -> patients::BoxedQuery<'a, Backend, (Text, BigInt)> {
        let query = patients::table
            .filter(one_of(patients::id, ids))
            .filter(same_clinic!(patients::clinic_id, clinic))
            .into_boxed();
        matching(query, q).select((patients::name, patients::id))
    }

    /// The ids of a page of the clinic's patients (matching `q`) other than
    /// `except`, by (name, id): a walk of `patients_clinic_name` alone, so
    /// the rows skipped to reach a later page are index entries only.
    pub fn page_ids<'a>(
        clinic: ClinicId,
        q: Option<&SearchPrefix>,
        except: Vec<i64>,
        offset: i64,
        limit: i64,
    ) -> patients::BoxedQuery<'a, Backend, BigInt> {
        walk(clinic, q)
            .filter(diesel::dsl::not(one_of(patients::id, except)))
            .order((patients::name.asc(), patients::id.asc()))
            .offset(offset)
            .limit(limit)
            .select(patients::id)
    }

    /// The clinic's patients whose account has no password yet: the
    /// accounts from the partial index `accounts_invited`, then each one's
    /// patient by the unique `account_id`.
    pub fn invited<'a>(clinic: ClinicId) -> patients::BoxedQuery<'a, Backend, BigInt> {
        patients::table
            .filter(
                patients::account_id.eq_any(
                    accounts::table
                        .filter(accounts::password_hash.is_null())
                        .select(accounts::id),
                ),
            )
            .filter(same_clinic!(patients::clinic_id, clinic))
            .select(patients::id)
            .into_boxed()
    }

    /// The list's columns of `ids` (a page), by primary key.
    pub fn rows(ids: Vec<i64>) -> Rows {
        patients::table
            .inner_join(accounts::table)
            .filter(one_of(patients::id, ids))
            .select(ROW)
    }

    const ROW: RowColumns = (
        patients::id,
        patients::name,
        accounts::email,
        patients::last_checkin_at,
        patients::follow_up_closed_at,
    );
    type RowColumns = (
        patients::id,
        patients::name,
        accounts::email,
        patients::last_checkin_at,
        patients::follow_up_closed_at,
    );
    pub type Rows = Select<
        Filter<InnerJoin<patients::table, accounts::table>, crate::db::reused::OneOf<patients::id, i64>>,
        RowColumns,
    >;
}

/// A page of a clinic's patients in `set`, optionally matching the search
/// `q` (the start of a name, a word of it or the email): those in `first`
/// (the patients with open urgent flags) come first, then everyone else,
/// each part by (name, id). What it reads is bounded by the page, the set,
/// `first` and [`SEARCH_CAP`], never by the clinic's size:
/// - a set, or a search with at most [`SEARCH_CAP`] matches, is listed
///   whole (names from an index), split and cut into the page here;
/// - everyone, or a broader search, walks `patients_clinic_name` by name:
///   `first`'s part on its own, then the rest from the page's offset.
///
/// The count comes from `clinics.patients_count` (everyone), the listed
/// set, or "more than [`SEARCH_CAP`]".
#[allow(clippy::too_many_arguments)]
pub fn patient_list(
    conn: &mut DbConn,
    clinic: ClinicId,
    q: Option<&SearchPrefix>,
    set: &PatientSet,
    first: &[i64],
    offset: i64,
    limit: i64,
) -> Result<PatientListPage, DbError> {
    let listed: Option<Vec<(String, i64)>> = match (&set.only, q) {
        (Some(ids), _) if ids.is_empty() => Some(Vec::new()),
        (Some(ids), q) => Some(list_sql::named(clinic, q, ids.clone()).load(conn)?),
        (None, Some(q)) => {
            let found: Vec<(String, i64)> = list_sql::matches(clinic, q, SEARCH_CAP as i64 + 1).load(conn)?;
            (found.len() <= SEARCH_CAP).then_some(found)
        }
        (None, None) => None,
    };
    let first_set: HashSet<i64> = first.iter().copied().collect();
    let (ids, total) = match listed {
        Some(mut all) => {
            all.sort();
            let total = ListTotal::Exactly(all.len() as i64);
            let (lead, rest): (Vec<_>, Vec<_>) = all.into_iter().partition(|(_, id)| first_set.contains(id));
            let ids = lead
                .into_iter()
                .chain(rest)
                .skip(offset.max(0) as usize)
                .take(limit.max(0) as usize)
                .map(|(_, id)| id)
                .collect::<Vec<_>>();
            (ids, total)
        }
        None => {
            let mut lead: Vec<(String, i64)> = if first.is_empty() {
                Vec::new()
            } else {
                list_sql::named(clinic, q, first.to_vec()).load(conn)?
            };
            lead.sort();
            let lead_len = lead.len() as i64;
            let mut ids: Vec<i64> = lead
                .into_iter()
                .skip(offset.max(0) as usize)
                .take(limit.max(0) as usize)
                .map(|(_, id)| id)
                .collect();
            let wanted = limit - ids.len() as i64;
            if wanted > 0 {
                // A page that began inside `first`'s part continues with the
                // rest from its start; one past it skips as many as that part holds.
                let rest_offset = (offset - lead_len).max(0);
                ids.extend(list_sql::page_ids(clinic, q, first.to_vec(), rest_offset, wanted).load::<i64>(conn)?);
            }
            let total = match q {
                None => ListTotal::Exactly(super::clinics::patients_count(conn, clinic)?),
                Some(_) => ListTotal::MoreThan(SEARCH_CAP as i64),
            };
            (ids, total)
        }
    };
    let mut rows: HashMap<i64, PatientListRow> = if ids.is_empty() {
        HashMap::new()
    } else {
        type ListTuple = (i64, String, String, super::stamp::MaybeStamp, super::stamp::MaybeStamp);
        let raw = ids.clone();
        let found: Vec<ListTuple> = per_backend!(conn, |c| list_sql::rows(raw).load(c))?;
        found
            .into_iter()
            .map(|(id, name, email, last, closed)| {
                let (last_checkin_at, follow_up_closed_at) = (last.0, closed.0);
                (
                    id,
                    PatientListRow {
                        id: PatientId(id),
                        name,
                        email,
                        last_checkin_at,
                        follow_up_closed_at,
                    },
                )
            })
            .collect()
    };
    Ok(PatientListPage {
        rows: ids.iter().filter_map(|id| rows.remove(id)).collect(),
        total,
    })
}

/// Patients of `clinic` with an unresolved flag, optionally only of one
/// severity: a range of `flags_by_severity (clinic_id, state,
/// severity_rank, patient_id, …)` per unresolved state. Deduplicated here:
/// a `DISTINCT` makes SQLite walk `flags_queue` (by patient) instead.
pub fn patients_with_unresolved_flags(
    conn: &mut DbConn,
    clinic: ClinicId,
    severity: Option<Severity>,
) -> Result<Vec<i64>, DbError> {
    let (lo, hi) = rank_range(severity);
    let mut ids: Vec<i64> = Vec::new();
    // One state at a time, as in `queue_groups`.
    for s in StateFilter::Unresolved.states() {
        let of_state: Vec<i64> = per_backend!(conn, |c| flags::table
            .filter(flags::clinic_id.eq(clinic.0))
            .filter(flags::state.eq(s))
            .filter(flags::severity_rank.between(lo, hi))
            .select(flags::patient_id)
            .load(c))?;
        ids.extend(of_state);
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Patients of `clinic` who have not accepted their invitation (no
/// password yet): read from the partial index `accounts_invited`, which
/// holds only such accounts.
pub fn invited_patients(conn: &mut DbConn, clinic: ClinicId) -> Result<Vec<i64>, DbError> {
    Ok(list_sql::invited(clinic).load(conn)?)
}

/// Patients still in follow-up with a treatment on or after `since` (the
/// only ones whose check-in can be overdue), with when they last checked
/// in: a range of `treatments_clinic_date`, then those patients by primary
/// key (as one statement, PostgreSQL may hash-join every patient instead).
pub fn in_follow_up_since(
    conn: &mut DbConn,
    clinic: ClinicId,
    since: NaiveDate,
) -> Result<Vec<(PatientId, Option<NaiveDateTime>)>, DbError> {
    let mut treated: Vec<i64> = per_backend!(conn, |c| treatments::table
        .filter(treatments::clinic_id.eq(clinic.0))
        .filter(treatments::treated_on.ge(since))
        .select(treatments::patient_id)
        .load(c))?;
    treated.sort_unstable();
    treated.dedup();
    if treated.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(i64, super::stamp::MaybeStamp)> = per_backend!(conn, |c| patients::table
        .filter(one_of(patients::id, treated))
        .filter(same_clinic!(patients::clinic_id, clinic))
        .filter(patients::follow_up_closed_at.is_null())
        .select((patients::id, patients::last_checkin_at))
        .load(c))?;
    Ok(rows.into_iter().map(|(id, at)| (PatientId(id), at.0)).collect())
}

/// The latest treatment of each of `ids` (by date).
pub fn latest_treatments(
    conn: &mut DbConn,
    clinic: ClinicId,
    ids: &[PatientId],
) -> Result<HashMap<PatientId, (ProcedureClass, NaiveDate)>, DbError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    let rows: Vec<(i64, String, super::stamp::Day)> = per_backend!(conn, |c| treatments::table
        .filter(same_clinic!(treatments::clinic_id, clinic))
        .filter(one_of(treatments::patient_id, raw))
        .order((treatments::treated_on.asc(), treatments::id.asc()))
        .select((treatments::patient_id, treatments::procedure, treatments::treated_on))
        .load(c))?;
    let mut out = HashMap::new();
    for (pid, procedure, super::stamp::Day(date)) in rows {
        // Ascending order: the last one written wins, the latest.
        out.insert(PatientId(pid), (ProcedureClass::parse(&procedure).map_err(bad)?, date));
    }
    Ok(out)
}

/// Unresolved flags of each of `ids`, counted by severity: per state, the
/// patients' entries of `flags_queue (clinic_id, state, patient_id,
/// severity_rank, …)`, which hold all it needs (through `flags_patient`
/// every flag's row was read, resolved ones too).
pub fn unresolved_flags_of(
    conn: &mut DbConn,
    clinic: ClinicId,
    ids: &[PatientId],
) -> Result<HashMap<PatientId, HashMap<Severity, i64>>, DbError> {
    let mut out: HashMap<PatientId, HashMap<Severity, i64>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    for s in StateFilter::Unresolved.states() {
        let rows: Vec<(i64, i32)> = per_backend!(conn, |c| flags::table
            .filter(flags::clinic_id.eq(clinic.0))
            .filter(flags::state.eq(s))
            .filter(one_of(flags::patient_id, raw.clone()))
            .select((flags::patient_id, flags::severity_rank))
            .load(c))?;
        for (pid, rank) in rows {
            let sev = severity_of_rank(rank).ok_or_else(|| {
                bad(UnknownOption::new(
                    "severity rank",
                    &rank.to_string(),
                    "a flag severity's",
                ))
            })?;
            *out.entry(PatientId(pid)).or_default().entry(sev).or_default() += 1;
        }
    }
    Ok(out)
}

/// Every flag of a patient (of `clinic`), newest first.
pub fn flags_of_patient(
    conn: &mut DbConn,
    clinic: ClinicId,
    patient: PatientId,
) -> Result<Vec<super::flags::Flag>, DbError> {
    Ok(per_backend!(conn, |c| flags::table
        .filter(flags::patient_id.eq(patient.0))
        .filter(same_clinic!(flags::clinic_id, clinic))
        .order((flags::raised_at.desc(), flags::id.desc()))
        .select(super::flags::Flag::as_select())
        .load(c))?)
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
    #[diesel(deserialize_as = super::stamp::Stamp)]
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    #[diesel(deserialize_as = super::stamp::Stamp)]
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
    fn state_filters_parse_with_a_safe_default() {
        assert_eq!(StateFilter::parse(""), StateFilter::Unresolved);
        assert_eq!(StateFilter::parse("resolved"), StateFilter::Only(FlagState::Resolved));
        assert_eq!(StateFilter::parse("all"), StateFilter::All);
        assert_eq!(StateFilter::parse("nonsense"), StateFilter::Unresolved);
    }
}
