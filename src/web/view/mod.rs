//! View helpers shared by every page, for both audiences: the chart engine,
//! the dashboard's header, date formatting, form state, notices and back
//! links, the pager, and how flags look. Handler files import from here,
//! never from each other.

pub mod charts;
pub mod flag;
pub mod form;
pub mod format;
pub mod invite;
pub mod landing;
pub mod lang;
pub mod nav;
pub mod notice;
pub mod pager;
pub mod timezones;
