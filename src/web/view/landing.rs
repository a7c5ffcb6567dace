//! Where a person goes after signing in: a `next=` target checked to be a
//! page of this site for them, else their home. Shared by the password
//! step, the second step and the sign-in redirect.

use crate::domain::AccountKind;
use crate::web::view::notice::local_path;

/// A `next=` target worth keeping through the sign-in: a path on this site
/// (see [`local_path`]), not the sign-in pages themselves. Anything else is
/// dropped, so the person lands on their home page.
pub fn next_target(raw: &str) -> Option<&str> {
    local_path(raw).filter(|p| !p.starts_with("/login") && !p.starts_with("/logout"))
}

/// Where a signed-in person goes: `next` when it is a page for them (staff
/// pages for staff, the rest for patients), else their home.
pub fn landing(kind: AccountKind, next: &str) -> String {
    let fits = |p: &str| match kind {
        AccountKind::Staff => p.starts_with("/clinic") || p.starts_with("/account"),
        AccountKind::Patient => !p.starts_with("/clinic"),
    };
    match next_target(next).filter(|p| fits(p)) {
        Some(p) => p.to_string(),
        None => home_of(kind).to_string(),
    }
}

/// `path` with `next=` carried along (when there is one worth keeping).
pub fn with_next(path: &str, next: &str) -> String {
    match next_target(next) {
        Some(n) => {
            let encoded: String = url::form_urlencoded::byte_serialize(n.as_bytes()).collect();
            let sep = if path.contains('?') { '&' } else { '?' };
            format!("{path}{sep}next={encoded}")
        }
        None => path.to_string(),
    }
}

fn home_of(kind: AccountKind) -> &'static str {
    match kind {
        AccountKind::Staff => "/clinic",
        AccountKind::Patient => "/",
    }
}
