//! How a patient's invite reads on the patient list and their page:
//! "Invited Mon 2 Mar 2026, 10:00 (2 h ago)", and whether the link expired.

use super::format::{ago, local_time};
use crate::app::patients::InviteState;
use crate::domain::ClinicTz;
use chrono::{DateTime, Utc};

/// A patient who has not accepted the invite yet.
pub struct InviteView {
    /// "Mon 2 Mar 2026, 10:00 (2 h ago)", or "no link sent".
    pub sent: String,
    /// The newest link can no longer be used.
    pub expired: bool,
    /// "Sun 8 Mar 2026, 10:00" (when it expires or expired), if a link was sent.
    pub expires: Option<String>,
}

impl InviteView {
    /// `None` for an active patient.
    pub fn of(state: InviteState, tz: ClinicTz, now: DateTime<Utc>) -> Option<Self> {
        match state {
            InviteState::Active { .. } => None,
            InviteState::Invited { sent, expires, expired } => Some(InviteView {
                sent: sent
                    .map(|t| format!("{} ({})", local_time(t, tz), ago(t, now)))
                    .unwrap_or_else(|| "no link sent".into()),
                expired,
                expires: expires.map(|t| local_time(t, tz)),
            }),
        }
    }
}
