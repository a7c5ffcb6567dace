//! The dashboard's header: who is signed in, where, and which section is current.

use crate::web::session::StaffUser;

/// What every dashboard page's header needs.
pub struct Nav {
    pub csrf: String,
    pub clinic_name: String,
    pub staff_name: String,
    pub is_admin: bool,
    /// Which section is current (`queue`, `patients`, `settings`, `outbox`, `export`).
    pub section: &'static str,
}

impl Nav {
    pub fn new(user: &StaffUser, section: &'static str) -> Self {
        Self {
            csrf: user.session.csrf.clone(),
            clinic_name: user.clinic.name.clone(),
            staff_name: user.staff.name.clone(),
            is_admin: user.is_admin(),
            section,
        }
    }
    pub fn current(&self, s: &str) -> bool {
        self.section == s
    }
}
