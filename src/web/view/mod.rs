//! View helpers shared by every page: charts, and (in time) navigation,
//! formatting, form state, notices and the pager.

pub mod charts;
