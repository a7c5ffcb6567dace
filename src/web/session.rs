//! Who is asking: the session cookie looked up in the database, and the
//! extractors that give handlers a signed-in patient or staff member.
//! Access control lives here, once: a handler that takes `PatientUser` or
//! `StaffUser` cannot run for anyone else.

use super::AppState;
use crate::auth::tokens;
use crate::db::{accounts, clinics, patients, sessions};
use crate::domain::{AccountId, AccountKind, Role, Words};
use crate::error::Error;
use crate::words;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

/// A signed-in session.
#[derive(Debug, Clone)]
pub struct ActiveSession {
    pub id_hash: String,
    pub account: AccountId,
    pub kind: AccountKind,
    pub csrf: String,
}

/// The cookie names: `__Host-` prefixed over https (the browser then insists
/// on Secure, Path=/ and no Domain).
pub fn session_cookie_name(https: bool) -> &'static str {
    if https {
        "__Host-aftercare"
    } else {
        "aftercare_session"
    }
}
pub fn csrf_cookie_name(https: bool) -> &'static str {
    if https {
        "__Host-aftercare-csrf"
    } else {
        "aftercare_csrf"
    }
}

/// The device cookie: which browser this is, for the sign-in throttle.
pub fn device_cookie_name(https: bool) -> &'static str {
    if https {
        "__Host-aftercare-device"
    } else {
        "aftercare_device"
    }
}

/// Long-lived (browsers cap cookies at about 400 days), HttpOnly.
pub fn device_cookie(value: String, https: bool) -> Cookie<'static> {
    Cookie::build(device_cookie_name(https), value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(https)
        .max_age(actix_web::cookie::time::Duration::days(400))
        .finish()
}

/// The hash of the browser's device cookie, if it sent a plausible one.
pub fn device_of(req: &HttpRequest, https: bool) -> Option<String> {
    req.cookie(device_cookie_name(https))
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty() && v.len() <= 64)
        .map(|v| tokens::hash(&v))
}

pub fn session_cookie(value: String, https: bool) -> Cookie<'static> {
    Cookie::build(session_cookie_name(https), value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(https)
        .finish()
}

pub fn expired_session_cookie(https: bool) -> Cookie<'static> {
    let mut c = session_cookie(String::new(), https);
    c.make_removal();
    c
}

/// The client address for throttling and the audit log (the peer address;
/// a proxy in front should be configured to pass the client through).
pub fn client_ip(req: &HttpRequest) -> Option<String> {
    req.peer_addr().map(|a| a.ip().to_string())
}

/// Whoever is asking, signed in or not. Cached per request.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub session: Option<ActiveSession>,
    pub ip: Option<String>,
    /// The anonymous CSRF token (double-submit cookie), set by middleware.
    pub anon_csrf: String,
}

impl Visitor {
    /// The token forms must carry.
    pub fn csrf(&self) -> &str {
        match &self.session {
            Some(s) => &s.csrf,
            None => &self.anon_csrf,
        }
    }
}

/// The anonymous CSRF token of this request (from the cookie or freshly made).
#[derive(Debug, Clone)]
pub struct AnonCsrf(pub String);

/// Loads the session for `token`, enforcing idle and absolute lifetimes and
/// disabled accounts, and refreshes its last-seen time; `also` is read for
/// the live session in the same trip to a blocking thread (a signed-in
/// page's person and clinic).
fn load_session_and<T>(
    state: &AppState,
    token: &str,
    now: DateTime<Utc>,
    also: impl FnOnce(&mut crate::db::DbConn, &ActiveSession) -> Result<T, Error>,
) -> Result<Option<(ActiveSession, T)>, Error> {
    enum Found<T> {
        Nothing,
        Ended,
        Live(ActiveSession, chrono::NaiveDateTime, T),
    }
    let id_hash = tokens::hash(token);
    let lifetimes = state.settings.sessions;
    let now_n = now.naive_utc();
    // Most requests only read: a write transaction per page view would queue
    // every signed-in page behind SQLite's single writer. The session, the
    // person and the clinic need no common snapshot.
    let found = state.db.read_each(|conn| -> Result<Found<T>, Error> {
        let Some((row, kind, disabled)) = sessions::find(conn, &id_hash)? else {
            return Ok(Found::Nothing);
        };
        let idle = match kind {
            AccountKind::Staff => lifetimes.staff_idle,
            AccountKind::Patient => lifetimes.patient_idle,
        };
        if disabled || row.expires_at <= now_n || row.last_seen_at + idle <= now_n {
            return Ok(Found::Ended);
        }
        let session = ActiveSession {
            id_hash: id_hash.clone(),
            account: row.account_id,
            kind,
            csrf: row.csrf_token,
        };
        let more = also(conn, &session)?;
        Ok(Found::Live(session, row.last_seen_at, more))
    })?;
    match found {
        Found::Nothing => Ok(None),
        Found::Ended => {
            crate::app::accounts::drop_session(&state.db, &id_hash)?;
            Ok(None)
        }
        Found::Live(session, last_seen, more) => {
            // A minute's precision is plenty for a 30-minute idle timeout.
            if now_n - last_seen > chrono::Duration::seconds(60) {
                crate::app::accounts::touch_session(&state.db, &id_hash, now)?;
            }
            Ok(Some((session, more)))
        }
    }
}

/// The parts of a [`Visitor`] a request carries: the app, the session
/// cookie's token (if plausible) and the anonymous CSRF token.
fn visitor_parts(req: &HttpRequest) -> Result<(web::Data<AppState>, Option<String>, String), Error> {
    let state = state_of(req)?;
    let https = state.settings.is_https();
    let anon_csrf = req
        .extensions()
        .get::<AnonCsrf>()
        .map(|c| c.0.clone())
        .unwrap_or_default();
    let token = req
        .cookie(session_cookie_name(https))
        .map(|c| c.value().to_string())
        .filter(|t| !t.is_empty() && t.len() <= 64);
    Ok((state, token, anon_csrf))
}

/// The request's [`Visitor`], read from the database once however many
/// extractors ask for it: actix polls a handler's extractors together, so
/// a form's user and its CSRF check each read the session otherwise (one
/// read transaction more per POST).
#[derive(Clone, Default)]
struct VisitorOnce(std::rc::Rc<tokio::sync::OnceCell<Visitor>>);

fn visitor_once(req: &HttpRequest) -> std::rc::Rc<tokio::sync::OnceCell<Visitor>> {
    if let Some(v) = req.extensions().get::<VisitorOnce>() {
        return v.0.clone();
    }
    let cell = VisitorOnce::default();
    req.extensions_mut().insert(cell.clone());
    cell.0
}

/// The request's [`Visitor`] ([`VisitorOnce`]). The call that reads it
/// from the database also reads `also` for the live session, in the same
/// trip, and returns it; a call that finds it read returns `None` there.
async fn visitor_and<T: Send + 'static>(
    req: &HttpRequest,
    also: impl FnOnce(&mut crate::db::DbConn, &ActiveSession) -> Result<T, Error> + Send + 'static,
) -> Result<(Visitor, Option<T>), Error> {
    let mut read_here = None;
    let v = visitor_once(req)
        .get_or_try_init(|| async {
            let (state, token, anon_csrf) = visitor_parts(req)?;
            let session = match token {
                Some(t) => {
                    let now = state.clock.now();
                    // Through the database's own limit on calls at once.
                    let db = state.db.clone();
                    db.run(move |_| load_session_and(&state, &t, now, also))
                        .await?
                        .map(|(session, more)| {
                            read_here = Some(more);
                            session
                        })
                }
                None => None,
            };
            Ok::<_, Error>(Visitor {
                session,
                ip: client_ip(req),
                anon_csrf,
            })
        })
        .await?
        .clone();
    Ok((v, read_here))
}

impl FromRequest for Visitor {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Ok(visitor_and(&req, |_, _| Ok(())).await?.0) })
    }
}

/// A signed-in patient.
#[derive(Debug, Clone)]
pub struct PatientUser {
    pub patient: patients::Patient,
    pub session: ActiveSession,
    pub clinic: clinics::Clinic,
    pub ip: Option<String>,
}

impl PatientUser {
    /// The translator for this patient's pages: their own language.
    pub fn tr(&self) -> crate::i18n::Tr {
        crate::i18n::Tr::new(self.patient.language)
    }
}

/// A signed-in staff member, with their clinic.
#[derive(Debug, Clone)]
pub struct StaffUser {
    pub staff: accounts::Staff,
    pub session: ActiveSession,
    pub clinic: clinics::Clinic,
    pub ip: Option<String>,
}

impl StaffUser {
    pub fn is_admin(&self) -> bool {
        self.staff.role == Role::Admin
    }
    pub fn actor(&self) -> crate::db::audit::Actor {
        crate::db::audit::Actor {
            account: Some(self.staff.account_id),
            label: format!("staff:{}", self.staff.id),
            ip: self.ip.clone(),
        }
    }
}

impl PatientUser {
    pub fn actor(&self) -> crate::db::audit::Actor {
        crate::db::audit::Actor {
            account: Some(self.patient.account_id),
            label: format!("patient:{}", self.patient.id),
            ip: self.ip.clone(),
        }
    }
}

/// A signed-in clinic admin.
#[derive(Debug, Clone)]
pub struct AdminUser(pub StaffUser);

fn state_of(req: &HttpRequest) -> Result<web::Data<AppState>, Error> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| Error::Internal("no state".into()))
}

type Signed<T> = (T, ActiveSession, clinics::Clinic, Option<String>);

/// The signed-in person of `kind` (their record loaded by `load`), their
/// session, clinic and address, made into the extractor's user by `user`.
/// Anyone else: sign in (303) or 403. The session, the person and the
/// clinic come from one read transaction, unless the request's [`Visitor`]
/// was already read.
fn signed_in_as<T: Send + 'static, U: 'static>(
    req: &HttpRequest,
    _: &mut Payload,
    kind: AccountKind,
    load: fn(&mut crate::db::DbConn, AccountId) -> Result<Option<T>, crate::db::DbError>,
    clinic_of: fn(&T) -> crate::domain::ClinicId,
    user: fn(Signed<T>) -> U,
) -> Pin<Box<dyn Future<Output = Result<U, Error>>>> {
    let req = req.clone();
    Box::pin(async move {
        let person_of = move |c: &mut crate::db::DbConn, account: AccountId| -> Result<(T, clinics::Clinic), Error> {
            let person = load(c, account)?.ok_or(Error::Unauthenticated)?;
            let clinic = clinics::get(c, clinic_of(&person))?.ok_or(Error::Unauthenticated)?;
            Ok((person, clinic))
        };
        // Whoever reads the visitor first reads it with the person and the
        // clinic here, in one trip; if another extractor did, only the
        // person and the clinic are read.
        let (v, read_here) = visitor_and(&req, move |c, s| match s.kind == kind {
            true => person_of(c, s.account).map(Some),
            false => Ok(None),
        })
        .await?;
        let session = v.session.ok_or(Error::Unauthenticated)?;
        if session.kind != kind {
            return Err(Error::Forbidden);
        }
        let (person, clinic) = match read_here.flatten() {
            Some(read) => read,
            None => {
                let (state, account) = (state_of(&req)?, session.account);
                state.db.read_each_async(move |c| person_of(c, account)).await?
            }
        };
        Ok(user((person, session, clinic, v.ip)))
    })
}

/// The language of the patient signed in on this request, once the
/// `PatientUser` extractor has loaded them (saves `view::lang::reader` a
/// lookup).
#[derive(Debug, Clone, Copy)]
pub struct PatientLang(pub crate::domain::Lang);

impl FromRequest for PatientUser {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let signed = signed_in_as(
            req,
            payload,
            AccountKind::Patient,
            patients::by_account,
            |p| p.clinic_id,
            |(patient, session, clinic, ip)| PatientUser {
                patient,
                session,
                clinic,
                ip,
            },
        );
        let req = req.clone();
        Box::pin(async move {
            let user = signed.await?;
            // The error pages and templates answer in the patient's own language.
            req.extensions_mut().insert(PatientLang(user.patient.language));
            Ok(user)
        })
    }
}

impl FromRequest for StaffUser {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        signed_in_as(
            req,
            payload,
            AccountKind::Staff,
            accounts::staff_by_account,
            |s| s.clinic_id,
            |(staff, session, clinic, ip)| StaffUser {
                staff,
                session,
                clinic,
                ip,
            },
        )
    }
}

impl FromRequest for AdminUser {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let staff = StaffUser::from_request(req, payload);
        Box::pin(async move {
            let s = staff.await?;
            if !s.is_admin() {
                return Err(Error::Forbidden);
            }
            Ok(AdminUser(s))
        })
    }
}

/// A form that could not be read (too large, or cut off on the way).
pub const FORM_UNREADABLE: Words = words!(
    "form-unreadable",
    "The form was too large or could not be read. Go back, and send it again."
);

/// The largest form body accepted (a check-in with a 2000-character note is
/// far below it).
pub const FORM_LIMIT: usize = 64 * 1024;

/// A submitted urlencoded form whose CSRF token matched. Repeated keys keep
/// the last value; a body that is not a form reads as an empty form, so bad
/// input becomes a validation error, never a 500.
#[derive(Debug, Clone)]
pub struct SecureForm {
    pub fields: HashMap<String, String>,
    pub visitor: Visitor,
}

impl SecureForm {
    pub fn get(&self, k: &str) -> &str {
        self.fields.get(k).map(|s| s.as_str()).unwrap_or("")
    }
    pub fn checked(&self, k: &str) -> bool {
        !self.get(k).is_empty()
    }
}

impl FromRequest for SecureForm {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // A form route takes forms only: JSON and the rest get 415 before
        // the body is read (an empty body without a type reads as an empty form).
        let form_type = match req.headers().get(actix_web::http::header::CONTENT_TYPE) {
            None => true,
            Some(v) => {
                let essence = v
                    .to_str()
                    .unwrap_or("")
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                essence == "application/x-www-form-urlencoded" || essence == "multipart/form-data"
            }
        };
        if !form_type {
            return Box::pin(async { Err(Error::UnsupportedMediaType) });
        }
        let visitor = Visitor::from_request(req, payload);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let visitor = visitor.await?;
            let body = body.await.map_err(|_| Error::invalid_words("form", FORM_UNREADABLE))?;
            if body.len() > FORM_LIMIT {
                return Err(Error::invalid_words("form", FORM_UNREADABLE));
            }
            let fields: HashMap<String, String> = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
                .map(|pairs| pairs.into_iter().collect())
                .unwrap_or_default();
            let sent = fields.get("csrf").map(|s| s.as_str()).unwrap_or("");
            if sent.is_empty() || !tokens::same(sent, visitor.csrf()) {
                return Err(Error::Csrf);
            }
            Ok(SecureForm { fields, visitor })
        })
    }
}

/// Any signed-in person (patient or staff), for their own account pages.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub session: ActiveSession,
    pub ip: Option<String>,
}

impl SignedIn {
    /// Where this person's pages start.
    pub fn home(&self) -> &'static str {
        match self.session.kind {
            AccountKind::Staff => "/clinic",
            AccountKind::Patient => "/",
        }
    }
}

impl FromRequest for SignedIn {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let visitor = Visitor::from_request(req, payload);
        Box::pin(async move {
            let v = visitor.await?;
            let session = v.session.ok_or(Error::Unauthenticated)?;
            Ok(SignedIn { session, ip: v.ip })
        })
    }
}

/// Who may use the FHIR Bulk Data endpoints: a system with one of the
/// clinic's API tokens (`Authorization: Bearer`), or a signed-in admin.
/// A token counts only here: no other extractor reads the header, so a
/// token never signs anyone in to a page. A bad, revoked or missing token
/// is 401; a signed-in non-admin is 403.
#[derive(Debug, Clone)]
pub struct ApiClient {
    pub clinic: crate::domain::ClinicId,
    pub actor: crate::db::audit::Actor,
}

impl ApiClient {
    pub fn requester(&self) -> crate::app::fhir::Requester {
        crate::app::fhir::Requester {
            clinic: self.clinic,
            actor: self.actor.clone(),
        }
    }
}

/// The longest token looked up (ours are 43 characters).
const TOKEN_MAX: usize = 128;

impl FromRequest for ApiClient {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let auth = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .map(|v| v.to_str().unwrap_or("").to_string());
        let Some(auth) = auth else {
            let admin = AdminUser::from_request(req, payload);
            return Box::pin(async move {
                match admin.await {
                    Ok(AdminUser(u)) => Ok(ApiClient {
                        clinic: u.clinic.id,
                        actor: u.actor(),
                    }),
                    Err(Error::Unauthenticated) => Err(Error::TokenRefused),
                    Err(e) => Err(e),
                }
            });
        };
        let req = req.clone();
        Box::pin(async move {
            let token = auth
                .strip_prefix("Bearer ")
                .map(str::trim)
                .filter(|t| !t.is_empty() && t.len() <= TOKEN_MAX)
                .ok_or(Error::TokenRefused)?
                .to_string();
            let state = state_of(&req)?;
            let what = format!("{} {}", req.method(), req.path());
            let found =
                crate::app::api_tokens::authenticate(&state.db, &token, what, client_ip(&req), state.clock.now())
                    .await?;
            let (clinic, actor) = found.ok_or(Error::TokenRefused)?;
            Ok(ApiClient { clinic, actor })
        })
    }
}
