//! "Your account": the list of the person's active sessions, each with
//! "sign out this session".

use super::error::see_other;
use super::session::{expired_session_cookie, SecureForm, SignedIn};
use super::AppState;
use crate::app::sessions::{self, Ended};
use crate::domain::AccountKind;
use crate::error::{Error, Result};
use crate::i18n::{Arg, Tr};
use actix_web::{web, HttpResponse};
use chrono::NaiveDateTime;

/// One session as the page shows it.
pub struct SessionItem {
    pub handle: String,
    pub browser: String,
    pub address: String,
    pub started: String,
    pub last_seen: String,
    pub current: bool,
}

fn when(tr: Tr, t: NaiveDateTime) -> String {
    use chrono::Datelike;
    // "2 Mar 2026, 10:05 UTC": digits as they are, the month in the reader's words.
    tr.lookup_args(
        "account-when",
        &[
            ("day", Arg::from(t.day().to_string())),
            ("month", Arg::from(tr.t(&format!("month-short-{}", t.month())))),
            ("year", Arg::from(t.year().to_string())),
            ("time", Arg::from(t.format("%H:%M").to_string())),
        ],
    )
}

/// A browser's family as stored ("Firefox on Linux", see
/// `auth::browser::family`), in the reader's words.
fn browser_words(tr: Tr, stored: Option<&str>) -> String {
    use crate::auth::browser::{A_BROWSER, ON, UNKNOWN};
    match stored {
        None => tr.t("account-unknown-browser"),
        Some(s) if s == UNKNOWN => tr.t("account-unknown-browser"),
        Some(s) => match s.split_once(ON) {
            Some((b, system)) if b == A_BROWSER => tr.t1("account-a-browser-on", "system", system),
            Some((browser, system)) => tr.t2("account-browser-on", "browser", browser, "system", system),
            None => s.to_string(),
        },
    }
}

/// The signed-in person's active sessions, this one marked.
pub async fn items(state: &AppState, user: &SignedIn, tr: Tr) -> Result<Vec<SessionItem>> {
    let (account, current) = (user.session.account, user.session.id_hash.clone());
    let idle = match user.session.kind {
        AccountKind::Staff => state.settings.sessions.staff_idle,
        AccountKind::Patient => state.settings.sessions.patient_idle,
    };
    let now = state.clock.now();
    let list = sessions::list(&state.db, account, current, idle, now).await?;
    Ok(list
        .into_iter()
        .map(|s| SessionItem {
            handle: s.handle,
            browser: browser_words(tr, s.browser.as_deref()),
            address: s.ip.unwrap_or_else(|| tr.t("account-unknown-address")),
            started: when(tr, s.started),
            last_seen: when(tr, s.last_seen),
            current: s.current,
        })
        .collect())
}

/// "Sign out this session": another device's, or this one (then as sign out).
pub async fn sign_out_session(state: web::Data<AppState>, user: SignedIn, form: SecureForm) -> Result<HttpResponse> {
    let handle = form.get("session").to_string();
    let (account, kind, current) = (user.session.account, user.session.kind, user.session.id_hash.clone());
    let (ip, now) = (user.ip.clone(), state.clock.now());
    let ended = sessions::end_one(&state.db, account, kind, handle, current, ip, now).await?;
    match ended {
        Ended::This => {
            let mut resp = see_other("/login?notice=signed-out");
            resp.add_cookie(&expired_session_cookie(state.settings.is_https()))
                .map_err(|e| Error::Internal(e.to_string()))?;
            Ok(resp)
        }
        Ended::Other => Ok(see_other("/account/password?notice=session-ended#sessions")),
        Ended::None => Ok(see_other("/account/password?notice=session-gone#sessions")),
    }
}
